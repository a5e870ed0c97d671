/**
 * The operator's Cloudflare client against the simulator over real HTTP on 127.0.0.1: every endpoint, the error
 * codes a reconciler must tell apart, both auth methods, and survival under injected faults within its budget.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AttemptObservation,
  CloudflareApiError,
  CloudflareClient,
  type CloudflareClientOptions,
  type CredentialsSpec,
  PoolRegistry,
  RateLimiterRegistry,
} from "../../src/cloudflare/index.ts";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.ts";

const zone = { id: "023e105f4ecef8ad9ca31a8372d0c353", name: "saasprovider.com" };
const otherZone = { id: "9a7806061c88ada191ed06f989cc3dac", name: "other-saas.net" };
const token = "sim-token-all-zones-7f3c9a1e5b2d4680";
const otherZoneToken = "sim-token-other-zone-only-2b4d6f8a0c1e";
const email = "ops@saasprovider.com";
const apiKey = "sim-global-key-0f1e2d3c4b5a69788796a5b4";

const tokenCredentials: CredentialsSpec = { kind: "apiToken", token };

let simulator: RunningSimulator;
let pools: PoolRegistry;

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 7,
    zones: [zone, otherZone],
    credentials: [{ token }, { token: otherZoneToken, zones: [otherZone.id] }, { email, apiKey }],
  });
  pools = new PoolRegistry();
});

afterAll(async () => {
  await pools.close();
  await simulator.close();
});

beforeEach(async () => {
  await admin(simulator, "POST", "/reset");
});

async function admin(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sim.adminUrl}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

async function stats(
  sim: RunningSimulator = simulator,
): Promise<{ total: number; byEndpoint: Record<string, number> }> {
  return (await admin(sim, "GET", "/stats")) as { total: number; byEndpoint: Record<string, number> };
}

async function injectFaults(rules: unknown[]): Promise<void> {
  await admin(simulator, "POST", "/faults", { rules });
}

/** A client with its own limiter and quick backoff, recording every attempt it makes. */
function makeClient(options: Partial<CloudflareClientOptions> = {}, sim: RunningSimulator = simulator) {
  const attempts: Array<AttemptObservation & { startedAt: number }> = [];
  const client = new CloudflareClient({
    baseUrl: sim.url,
    credentials: tokenCredentials,
    pools,
    limiters: new RateLimiterRegistry({ policy: { requests: 500, windowSeconds: 1 } }),
    backoff: { baseMs: 10, capMs: 200 },
    timeoutMs: 5_000,
    observer: (attempt) =>
      attempts.push({ ...attempt, startedAt: performance.now() - attempt.durationSeconds * 1000 }),
    ...options,
  });
  return { client, attempts };
}

async function failureOf(promise: Promise<unknown>): Promise<CloudflareApiError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(CloudflareApiError);
  return outcome as CloudflareApiError;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const listEndpoint = "GET /zones/:zone_id/custom_hostnames";
const getEndpoint = "GET /zones/:zone_id/custom_hostnames/:custom_hostname_id";

describe("authentication", () => {
  it("verifies an API token", async () => {
    const { client } = makeClient();
    expect(await client.verifyToken()).toMatchObject({ status: "active" });
  });

  it("reports an unknown token as an auth failure with code 1000", async () => {
    const { client, attempts } = makeClient({
      credentials: { kind: "apiToken", token: "not-a-known-token" },
    });
    const error = await failureOf(client.verifyToken());
    expect(error).toMatchObject({ kind: "auth", status: 401, codes: [1000], retryable: false });
    expect(error.requestId).toMatch(/SIM$/);
    expect(attempts).toHaveLength(1);
  });

  it("denies a token the zone it was not granted, and allows the one it was", async () => {
    const { client } = makeClient({ credentials: { kind: "apiToken", token: otherZoneToken } });
    expect(await failureOf(client.getZone(zone.id))).toMatchObject({
      kind: "auth",
      status: 403,
      codes: [10000],
    });
    expect(await failureOf(collect(client.listCustomHostnames(zone.id)))).toMatchObject({ kind: "auth" });
    expect(await client.getZone(otherZone.id)).toMatchObject({ id: otherZone.id, name: otherZone.name });
  });

  it("works with the global API key, and rejects a wrong key", async () => {
    const { client } = makeClient({ credentials: { kind: "globalKey", email, key: apiKey } });
    const created = await client.createCustomHostname(zone.id, { hostname: "key.customer-one.com" });
    expect((await client.getCustomHostname(zone.id, created.id)).hostname).toBe("key.customer-one.com");
    const wrong = makeClient({ credentials: { kind: "globalKey", email, key: "wrong-key" } }).client;
    expect(await failureOf(wrong.getZone(zone.id))).toMatchObject({
      kind: "auth",
      status: 403,
      codes: [10000],
    });
  });
});

describe("custom hostnames", () => {
  it("creates, reads, finds, edits and deletes a custom hostname", async () => {
    const { client } = makeClient();
    const created = await client.createCustomHostname(zone.id, {
      hostname: "app.customer-one.com",
      ssl: { method: "txt", settings: { min_tls_version: "1.2" } },
      custom_metadata: { tier: "gold" },
    });
    expect(created).toMatchObject({ hostname: "app.customer-one.com", status: "pending" });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.ownership_verification?.name).toBe("_cf-custom-hostname.app.customer-one.com");
    expect(created.ownership_verification_http?.http_url).toContain("app.customer-one.com");

    expect(await client.getCustomHostname(zone.id, created.id)).toMatchObject({ id: created.id });
    expect((await client.findCustomHostname(zone.id, "app.customer-one.com"))?.id).toBe(created.id);
    expect(await client.findCustomHostname(zone.id, "other.customer-one.com")).toBeUndefined();

    const edited = await client.editCustomHostname(zone.id, created.id, {
      ssl: { method: "http", certificate_authority: "google" },
      custom_metadata: { tier: "platinum" },
    });
    expect(edited.custom_metadata).toEqual({ tier: "platinum" });
    expect(edited.ssl).toMatchObject({ method: "http", certificate_authority: "google" });

    expect(await client.deleteCustomHostname(zone.id, created.id)).toEqual({ id: created.id });
    expect(await failureOf(client.getCustomHostname(zone.id, created.id))).toMatchObject({
      kind: "notFound",
      status: 404,
      codes: [1436],
    });
  });

  it("reads every page, at the page size the server really uses", async () => {
    const { client } = makeClient();
    const names = Array.from(
      { length: 55 },
      (_, index) => `shop-${String(index).padStart(2, "0")}.customer-two.com`,
    );
    for (const hostname of names) await client.createCustomHostname(zone.id, { hostname });

    const countLists = async (perPage: number) => {
      const before = (await stats()).byEndpoint[listEndpoint] ?? 0;
      const listed = await collect(client.listCustomHostnames(zone.id, {}, { perPage }));
      const requests = ((await stats()).byEndpoint[listEndpoint] ?? 0) - before;
      return { hostnames: listed.map((item) => item.hostname).sort(), requests };
    };
    // The simulator caps pages at 50 (the 2024 extract's maximum); asking for 1000 must still read all 55.
    for (const [perPage, pages] of [
      [50, 2],
      [1000, 2],
      [5, 11],
    ] as const) {
      const { hostnames, requests } = await countLists(perPage);
      expect(hostnames).toEqual(names);
      expect(requests).toBe(pages);
    }
  });

  it("tells duplicate, invalid hostname, invalid ssl and entitlement errors apart, none retried", async () => {
    const { client, attempts } = makeClient();
    await client.createCustomHostname(zone.id, { hostname: "dup.customer-three.com" });
    const cases: Array<[Parameters<CloudflareClient["createCustomHostname"]>[1], string, number]> = [
      [{ hostname: "dup.customer-three.com" }, "duplicate", 1406],
      [{ hostname: "192.0.2.10" }, "invalidHostname", 1407],
      [{ hostname: "bücher.customer-three.com" }, "invalidHostname", 1408],
      [{ hostname: "shop.test" }, "invalidHostname", 1409],
      [{ hostname: "www.example.com" }, "invalidHostname", 1411],
      [
        {
          hostname: "tls.customer-three.com",
          ssl: { method: "http", settings: { http2: "on", min_tls_version: "1.3", ciphers: ["AES128-SHA"] } },
        },
        "invalidSsl",
        1443,
      ],
      [{ hostname: "wild.customer-three.com", ssl: { method: "http", wildcard: true } }, "invalidSsl", 1432],
    ];
    for (const [body, kind, code] of cases) {
      expect(await failureOf(client.createCustomHostname(zone.id, body)), body.hostname).toMatchObject({
        kind,
        codes: [code],
        retryable: false,
      });
    }
    expect(attempts).toHaveLength(cases.length + 1);
  });

  it("reports features the zone is not entitled to (metadata 1413, custom origin 1414) as entitlement errors", async () => {
    const restricted = await startSimulator({
      port: 0,
      zones: [{ ...zone, entitlements: { customMetadata: false, customOriginServer: false } }],
      credentials: [{ token }],
    });
    try {
      const { client } = makeClient({}, restricted);
      const withMetadata = { hostname: "meta.customer-four.com", custom_metadata: { a: "b" } };
      expect(await failureOf(client.createCustomHostname(zone.id, withMetadata))).toMatchObject({
        kind: "entitlement",
        status: 403,
        codes: [1413],
      });
      const withOrigin = {
        hostname: "origin.customer-four.com",
        custom_origin_server: "eu.saasprovider.com",
      };
      expect(await failureOf(client.createCustomHostname(zone.id, withOrigin))).toMatchObject({
        kind: "entitlement",
        status: 403,
        codes: [1414],
      });
    } finally {
      await restricted.close();
    }
  });

  it("refuses to send a hostname change, which Cloudflare would reject as immutable (1439)", async () => {
    const { client, attempts } = makeClient();
    const created = await client.createCustomHostname(zone.id, { hostname: "fixed.customer-five.com" });
    const patch = { hostname: "renamed.customer-five.com" } as Parameters<
      CloudflareClient["editCustomHostname"]
    >[2];
    await expect(client.editCustomHostname(zone.id, created.id, patch)).rejects.toThrow(/hostname/);
    expect(attempts).toHaveLength(1);
  });

  it("sees a hostname and its certificate become active once DNS and the fallback origin are in place", async () => {
    const { client } = makeClient();
    expect(await failureOf(client.getFallbackOrigin(zone.id))).toMatchObject({
      kind: "notFound",
      status: 404,
    });
    expect(await client.updateFallbackOrigin(zone.id, "fallback.saasprovider.com")).toMatchObject({
      origin: "fallback.saasprovider.com",
      status: "initializing",
    });
    await admin(simulator, "POST", "/clock", { advanceSeconds: 31 });
    expect((await client.getFallbackOrigin(zone.id)).status).toBe("pending_deployment");
    await admin(simulator, "POST", "/clock", { advanceSeconds: 30 });
    expect((await client.getFallbackOrigin(zone.id)).status).toBe("active");

    const created = await client.createCustomHostname(zone.id, {
      hostname: "www.customer-six.com",
      ssl: { method: "http" },
    });
    await admin(simulator, "POST", "/clock", { advanceSeconds: 120 });
    const waiting = await client.getCustomHostname(zone.id, created.id);
    expect(waiting.status).toBe("pending");
    expect(waiting.verification_errors).toContain("custom hostname does not CNAME to this zone.");

    await admin(simulator, "POST", "/dns", {
      records: [{ type: "CNAME", name: "www.customer-six.com", value: "customers.saasprovider.com" }],
    });
    await admin(simulator, "POST", "/clock", { advanceSeconds: 4 * 3600 });
    const active = await client.getCustomHostname(zone.id, created.id);
    expect(active.status).toBe("active");
    expect(active.ssl).toMatchObject({ status: "active" });
    expect(Date.parse(active.ssl?.expires_on ?? "")).toBeGreaterThan(Date.now());

    expect((await client.deleteFallbackOrigin(zone.id)).status).toBe("pending_deletion");
    expect(await failureOf(client.getFallbackOrigin(zone.id))).toMatchObject({ kind: "notFound" });
  });
});

describe("surviving faults within budget", () => {
  it("completes 60 calls through a 30 % rate of 5xx, sending no request it did not count", async () => {
    const policy = { requests: 100, windowSeconds: 1 };
    const maxAttempts = 10;
    const { client, attempts } = makeClient({
      limiters: new RateLimiterRegistry({ policy }),
      maxAttempts,
    });
    const created = await client.createCustomHostname(zone.id, { hostname: "steady.customer-seven.com" });
    const baseline = (await stats()).total;
    attempts.length = 0;
    await injectFaults([{ match: "*", serverErrorRate: 0.3 }]);

    const started = performance.now();
    const calls = Array.from({ length: 60 }, (_, index) =>
      index % 3 === 0
        ? collect(client.listCustomHostnames(zone.id))
        : index % 3 === 1
          ? client.getCustomHostname(zone.id, created.id)
          : client.editCustomHostname(zone.id, created.id, { custom_metadata: { call: String(index) } }),
    );
    const results = await Promise.allSettled(calls);
    const elapsedSeconds = (performance.now() - started) / 1000;
    await injectFaults([]);

    expect(results.filter((result) => result.status === "rejected")).toEqual([]);
    const served = (await stats()).total - baseline;
    const serverErrors = attempts.filter((attempt) => attempt.status === 500).length;
    console.log(
      `30 % 5xx: 60 calls, ${served} requests (${serverErrors} × 500) in ${elapsedSeconds.toFixed(2)} s, ` +
        `max ${Math.max(...attempts.map((a) => a.attempt))} attempts for one call`,
    );
    // Every request the server saw was an attempt the client counted, within both of its budgets.
    expect(served).toBe(attempts.length);
    expect(serverErrors).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(60 * maxAttempts);
    // At most `requests` in any window: over `elapsed`, one window's worth for each window begun.
    expect(served).toBeLessThanOrEqual(
      policy.requests * (Math.floor(elapsedSeconds / policy.windowSeconds) + 1),
    );
  });

  it("honours retry-after on a burst of 429s: every call succeeds and none is sent while paused", async () => {
    const { client, attempts } = makeClient();
    const created = await client.createCustomHostname(zone.id, { hostname: "burst.customer-eight.com" });
    attempts.length = 0;
    await injectFaults([{ match: getEndpoint, rateLimitRate: 1, limit: 4, retryAfterSeconds: 1 }]);

    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.getCustomHostname(zone.id, created.id)),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;

    expect(results.filter((result) => result.status === "rejected")).toEqual([]);
    const limited = attempts.filter((attempt) => attempt.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.length).toBeLessThanOrEqual(4);
    const firstLimitedAt = Math.min(...limited.map((a) => a.startedAt + a.durationSeconds * 1000));
    const sentDuringPause = attempts.filter(
      (a) => a.startedAt > firstLimitedAt && a.startedAt < firstLimitedAt + 1_000 - 20,
    );
    console.log(
      `429 burst: 20 calls, ${attempts.length} requests (${limited.length} × 429) in ${elapsedSeconds.toFixed(2)} s`,
    );
    expect(sentDuringPause).toEqual([]);
    expect(elapsedSeconds).toBeGreaterThanOrEqual(1);
  });

  it("stays under the server's own limit by reading its Ratelimit header, with no 429 at all", async () => {
    const limited = await startSimulator({
      port: 0,
      zones: [zone],
      credentials: [{ token }],
      rateLimit: { requests: 15, windowSeconds: 2 },
    });
    try {
      // Deliberately a bucket far above the server's limit: only the header keeps the client in line.
      const { client, attempts } = makeClient(
        { limiters: new RateLimiterRegistry({ policy: { requests: 1_000, windowSeconds: 1 } }) },
        limited,
      );
      const started = performance.now();
      for (let call = 0; call < 40; call++) await client.getZone(zone.id);
      const elapsedSeconds = (performance.now() - started) / 1000;
      console.log(`Ratelimit header: 40 calls at 15 per 2 s took ${elapsedSeconds.toFixed(2)} s`);
      expect(attempts.filter((attempt) => attempt.status === 429)).toEqual([]);
      expect(attempts).toHaveLength(40);
      expect((await stats(limited)).total).toBe(40);
      expect(client.rateLimitHeadroom().server).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it("retries reads through connection resets and malformed bodies", async () => {
    const { client, attempts } = makeClient({ maxAttempts: 10 });
    const created = await client.createCustomHostname(zone.id, { hostname: "flaky.customer-nine.com" });
    attempts.length = 0;
    await injectFaults([{ match: getEndpoint, resetRate: 0.3, malformedRate: 0.3 }]);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.getCustomHostname(zone.id, created.id)),
    );
    expect(results.filter((result) => result.status === "rejected")).toEqual([]);
    const resets = attempts.filter((a) => a.status === 0).length;
    const malformed = attempts.length - resets - 20;
    console.log(
      `resets/malformed: 20 calls, ${attempts.length} requests (${resets} resets, ${malformed} malformed)`,
    );
    expect(resets).toBeGreaterThan(0);
    expect(malformed).toBeGreaterThan(0);
  });

  it("does not repeat a create that failed after reaching the server; listing shows whether it landed", async () => {
    const { client, attempts } = makeClient();
    for (const fault of [{ serverErrorRate: 1 }, { resetRate: 1 }]) {
      await injectFaults([{ match: "POST /zones/:zone_id/custom_hostnames", limit: 1, ...fault }]);
      const error = await failureOf(
        client.createCustomHostname(zone.id, { hostname: "once.customer-ten.com" }),
      );
      expect(error.retryable).toBe(true);
      expect(error.kind).toBe("serverErrorRate" in fault ? "server" : "network");
    }
    expect(attempts).toHaveLength(2);
    expect((await stats()).byEndpoint["POST /zones/:zone_id/custom_hostnames"]).toBe(2);
    expect(await client.findCustomHostname(zone.id, "once.customer-ten.com")).toBeUndefined();
    expect((await client.createCustomHostname(zone.id, { hostname: "once.customer-ten.com" })).status).toBe(
      "pending",
    );
  });

  it("times out a slow answer, then succeeds on the retry", async () => {
    await injectFaults([{ match: "GET /zones/:zone_id", latencyMs: 800, limit: 1 }]);
    const { client, attempts } = makeClient({ timeoutMs: 200 });
    expect(await client.getZone(zone.id)).toMatchObject({ id: zone.id });
    expect(attempts.map((attempt) => attempt.status)).toEqual([0, 200]);
    expect(attempts[0]?.durationSeconds).toBeLessThan(0.7);

    await injectFaults([{ match: "GET /zones/:zone_id", latencyMs: 800, limit: 1 }]);
    const once = makeClient({ timeoutMs: 200, maxAttempts: 1 }).client;
    const error = await failureOf(once.getZone(zone.id));
    expect(error).toMatchObject({ kind: "network", status: 0, retryable: true });
    expect(error.message).toContain("no complete response within 200 ms");
  });
});
