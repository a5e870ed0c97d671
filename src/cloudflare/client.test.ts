import { inspect } from "node:util";
import { MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { CloudflareClient, type CloudflareClientOptions } from "./client.ts";
import type { CredentialsSpec } from "./credentials.ts";
import { CloudflareApiError } from "./errors.ts";
import type { AttemptObservation } from "./http.ts";
import { RateLimiterRegistry } from "./rate-limiter.ts";

const origin = "https://api.cloudflare.com";
const zoneId = "023e105f4ecef8ad9ca31a8372d0c353";
const hostnameId = "0d89c70d-ad9f-4843-b99f-6cc0252067e9";
const token = "tok_SECRET_4f9a1c7e2b8d6035aa";
const listPath = `/client/v4/zones/${zoneId}/custom_hostnames`;
const hostnamePath = `${listPath}/${hostnameId}`;

const agents: MockAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

function ok(result: unknown, extra: Record<string, unknown> = {}) {
  return { success: true, errors: [], messages: [], result, ...extra };
}

function failure(...errors: Array<[number, string]>) {
  return {
    success: false,
    errors: errors.map(([code, message]) => ({ code, message })),
    messages: [],
    result: null,
  };
}

function hostname(name: string, id = hostnameId) {
  return {
    id,
    hostname: name,
    status: "pending",
    ssl: { status: "initializing", method: "http", type: "dv" },
  };
}

function setup(options: Partial<CloudflareClientOptions> = {}, credentials?: CredentialsSpec) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const clock = new ManualClock();
  const observations: AttemptObservation[] = [];
  const client = new CloudflareClient({
    credentials: credentials ?? { kind: "apiToken", token },
    dispatcher: agent,
    limiters: new RateLimiterRegistry({ clock, policy: { requests: 100, windowSeconds: 1 } }),
    clock,
    random: () => 0.5,
    backoff: { baseMs: 100, capMs: 1_000 },
    timeoutMs: 1_000,
    observer: (observation) => observations.push(observation),
    ...options,
  });
  return { client, pool: agent.get(origin), observations, clock, agent };
}

async function rejection(promise: Promise<unknown>): Promise<CloudflareApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CloudflareApiError);
  return error as CloudflareApiError;
}

function reset(): Error {
  return Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
}

describe("authenticating", () => {
  it("sends an API token as a Bearer header", async () => {
    const { client, pool } = setup();
    let seen: unknown;
    pool.intercept({ path: "/client/v4/user/tokens/verify", method: "GET" }).reply((request) => {
      seen = request.headers;
      return { statusCode: 200, data: ok({ id: "ed17574386854bf78a67040be0a770b0", status: "active" }) };
    });
    expect(await client.verifyToken()).toEqual({ id: "ed17574386854bf78a67040be0a770b0", status: "active" });
    expect(seen).toMatchObject({ authorization: `Bearer ${token}` });
  });

  it("sends a global key as email and key headers, and cannot verify it as a token", async () => {
    const { client, pool } = setup({}, { kind: "globalKey", email: "ops@example.net", key: "globalkey123" });
    let seen: unknown;
    pool.intercept({ path: `/client/v4/zones/${zoneId}`, method: "GET" }).reply((request) => {
      seen = request.headers;
      return { statusCode: 200, data: ok({ id: zoneId, name: "saasprovider.com", status: "active" }) };
    });
    expect((await client.getZone(zoneId)).name).toBe("saasprovider.com");
    expect(seen).toMatchObject({ "x-auth-email": "ops@example.net", "x-auth-key": "globalkey123" });
    expect(seen).not.toHaveProperty("authorization");
    await expect(client.verifyToken()).rejects.toThrow(TypeError);
  });

  it("reports a zone the token may not read as an auth error, without retrying", async () => {
    const { client, pool, observations } = setup();
    pool
      .intercept({ path: `/client/v4/zones/${zoneId}`, method: "GET" })
      .reply(403, failure([10000, "Authentication error"]), { headers: { "cf-ray": "8c1f-AMS" } });
    const error = await rejection(client.getZone(zoneId));
    expect(error).toMatchObject({
      kind: "auth",
      status: 403,
      codes: [10000],
      requestId: "8c1f-AMS",
      retryable: false,
    });
    expect(observations).toHaveLength(1);
  });
});

describe("retrying", () => {
  it("retries a read after a 5xx, with jittered backoff, and reports each attempt", async () => {
    const { client, pool, observations, clock } = setup();
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(503, "<html>upstream</html>");
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(500, failure([1500, "internal"]));
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(200, ok(hostname("app.customer.com")));
    expect((await client.getCustomHostname(zoneId, hostnameId)).hostname).toBe("app.customer.com");
    expect(observations.map(({ status, attempt, code }) => ({ status, attempt, code }))).toEqual([
      { status: 503, attempt: 1, code: undefined },
      { status: 500, attempt: 2, code: 1500 },
      { status: 200, attempt: 3, code: undefined },
    ]);
    // random() = 0.5 of ceilings 100 and 200 ms.
    expect(clock.sleeps).toEqual([50, 100]);
    expect(new Set(observations.map((o) => o.endpoint))).toEqual(
      new Set(["/zones/:zone_id/custom_hostnames/:custom_hostname_id"]),
    );
  });

  it("retries a read after a connection reset and after a malformed body", async () => {
    const { client, pool, observations } = setup();
    pool.intercept({ path: hostnamePath, method: "GET" }).replyWithError(reset());
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(200, '{"success":true,"result":{"id"');
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(200, ok({ hostname: "no-id.customer.com" }));
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(200, ok(hostname("app.customer.com")));
    await client.getCustomHostname(zoneId, hostnameId);
    expect(observations.map((o) => o.status)).toEqual([0, 200, 200, 200]);
  });

  it("gives up after the configured attempts with a retryable error", async () => {
    const { client, pool, observations } = setup({ maxAttempts: 3 });
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(502, "bad gateway").times(3);
    const error = await rejection(client.getCustomHostname(zoneId, hostnameId));
    expect(error).toMatchObject({ kind: "server", status: 502, retryable: true });
    expect(observations).toHaveLength(3);
  });

  it("does not repeat a create that may have reached Cloudflare, so it cannot create a duplicate", async () => {
    const { client, pool, observations } = setup();
    pool.intercept({ path: listPath, method: "POST" }).reply(500, failure([1500, "internal"]));
    const afterServerError = await rejection(
      client.createCustomHostname(zoneId, { hostname: "a.customer.com" }),
    );
    expect(afterServerError).toMatchObject({ kind: "server", retryable: true });
    pool.intercept({ path: listPath, method: "POST" }).replyWithError(reset());
    expect(
      await rejection(client.createCustomHostname(zoneId, { hostname: "a.customer.com" })),
    ).toMatchObject({
      kind: "network",
      retryable: true,
    });
    pool.intercept({ path: listPath, method: "POST" }).reply(201, "{not json");
    expect(
      await rejection(client.createCustomHostname(zoneId, { hostname: "a.customer.com" })),
    ).toMatchObject({
      kind: "invalidResponse",
      retryable: true,
    });
    expect(observations).toHaveLength(3);
  });

  it("repeats a create whose connection was refused, since it never left", async () => {
    const { client, pool, observations } = setup();
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    pool.intercept({ path: listPath, method: "POST" }).replyWithError(refused);
    pool.intercept({ path: listPath, method: "POST" }).reply(201, ok(hostname("a.customer.com")));
    expect((await client.createCustomHostname(zoneId, { hostname: "a.customer.com" })).id).toBe(hostnameId);
    expect(observations.map((o) => o.status)).toEqual([0, 201]);
  });

  it("does not retry answers that will not change: duplicate, invalid hostname, immutable", async () => {
    const { client, pool, observations } = setup();
    pool
      .intercept({ path: listPath, method: "POST" })
      .reply(409, failure([1406, "Duplicate custom hostname found."]));
    pool.intercept({ path: listPath, method: "POST" }).reply(400, failure([1409, "reserved TLD"]));
    pool.intercept({ path: hostnamePath, method: "PATCH" }).reply(409, failure([1439, "not modifiable"]));
    expect((await rejection(client.createCustomHostname(zoneId, { hostname: "a.customer.com" }))).kind).toBe(
      "duplicate",
    );
    expect((await rejection(client.createCustomHostname(zoneId, { hostname: "a.test" }))).kind).toBe(
      "invalidHostname",
    );
    expect(
      (await rejection(client.editCustomHostname(zoneId, hostnameId, { custom_metadata: {} }))).kind,
    ).toBe("immutable");
    expect(observations).toHaveLength(3);
  });

  it("times out an attempt that gets no answer and reports it as a network error", async () => {
    const { client, pool } = setup({ timeoutMs: 50, maxAttempts: 1 });
    pool
      .intercept({ path: hostnamePath, method: "GET" })
      .reply(200, ok(hostname("slow.customer.com")))
      .delay(500);
    const error = await rejection(client.getCustomHostname(zoneId, hostnameId));
    expect(error).toMatchObject({ kind: "network", status: 0, retryable: true });
    expect(error.message).toContain("no complete response within 50 ms");
  });
});

describe("rate limiting", () => {
  it("waits out a 429's retry-after on the credential's bucket and then succeeds", async () => {
    const { client, pool, clock, observations } = setup();
    pool
      .intercept({ path: hostnamePath, method: "GET" })
      .reply(429, failure([971, "Please wait and consider throttling your request speed"]), {
        headers: { "retry-after": "7" },
      });
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(200, ok(hostname("app.customer.com")));
    const start = clock.now();
    await client.getCustomHostname(zoneId, hostnameId);
    expect(clock.now() - start).toBeGreaterThanOrEqual(7_000);
    expect(observations.map((o) => [o.status, o.code])).toEqual([
      [429, 971],
      [200, undefined],
    ]);
  });

  it("repeats a create refused with 429, which Cloudflare never processed", async () => {
    const { client, pool } = setup();
    pool.intercept({ path: listPath, method: "POST" }).reply(429, failure([971, "wait"]), {
      headers: { "retry-after": "1" },
    });
    pool.intercept({ path: listPath, method: "POST" }).reply(201, ok(hostname("a.customer.com")));
    expect((await client.createCustomHostname(zoneId, { hostname: "a.customer.com" })).hostname).toBe(
      "a.customer.com",
    );
  });

  it("fails fast instead of holding a worker for a 5-minute block when retry-after is missing", async () => {
    const { client, pool, observations } = setup({ maxRateLimitWaitMs: 10_000 });
    pool.intercept({ path: hostnamePath, method: "GET" }).reply(429, failure([971, "wait"]));
    const error = await rejection(client.getCustomHostname(zoneId, hostnameId));
    expect(error).toMatchObject({
      kind: "rateLimited",
      status: 429,
      codes: [971],
      retryable: true,
      retryAfterSeconds: 300,
    });
    expect(observations).toHaveLength(1);
    expect(client.rateLimitHeadroom().pausedUntil).toBeDefined();
  });

  it("shares the pause with every other client of the same credential", async () => {
    const clock = new ManualClock();
    const limiters = new RateLimiterRegistry({ clock });
    const first = setup({ limiters, clock, maxRateLimitWaitMs: 1_000 });
    const second = setup({ limiters, clock, maxRateLimitWaitMs: 1_000 });
    const other = setup({ limiters, clock }, { kind: "apiToken", token: "a-different-token" });
    first.pool.intercept({ path: hostnamePath, method: "GET" }).reply(429, failure([971, "wait"]), {
      headers: { "retry-after": "60" },
    });
    await rejection(first.client.getCustomHostname(zoneId, hostnameId));
    expect((await rejection(second.client.getCustomHostname(zoneId, hostnameId))).retryAfterSeconds).toBe(60);
    expect(second.observations).toHaveLength(0);
    other.pool.intercept({ path: hostnamePath, method: "GET" }).reply(200, ok(hostname("app.customer.com")));
    await other.client.getCustomHostname(zoneId, hostnameId);
  });

  it("exposes Cloudflare's remaining budget from the Ratelimit header", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: hostnamePath, method: "GET" })
      .reply(200, ok(hostname("app.customer.com")), { headers: { ratelimit: '"default";r=1187;t=241' } });
    await client.getCustomHostname(zoneId, hostnameId);
    expect(client.rateLimitHeadroom().server).toEqual({ remaining: 1187, resetSeconds: 241 });
  });
});

describe("listing custom hostnames", () => {
  function page(names: string[], info: Record<string, number>) {
    return ok(
      names.map((name, index) => hostname(name, `id-${name}-${index}`)),
      { result_info: info },
    );
  }

  it("reads every page, stopping at total_pages", async () => {
    const { client, pool } = setup();
    const queries: string[] = [];
    for (const [n, names] of [
      [1, ["a", "b"]],
      [2, ["c", "d"]],
      [3, ["e"]],
    ] as const) {
      pool
        .intercept({
          path: (path) => path.startsWith(listPath) && path.includes(`page=${n}&`),
          method: "GET",
        })
        .reply((request) => {
          queries.push(request.path);
          return {
            statusCode: 200,
            data: page([...names], { page: n, per_page: 2, total_pages: 3, total_count: 5 }),
          };
        });
    }
    const names: string[] = [];
    const pages: number[] = [];
    const onPage = (perPage: number) => pages.push(perPage);
    for await (const item of client.listCustomHostnames(zoneId, {}, { perPage: 2, onPage }))
      names.push(item.hostname);
    expect(names).toEqual(["a", "b", "c", "d", "e"]);
    expect(queries[0]).toBe(`${listPath}?page=1&per_page=2`);
    expect(pages).toEqual([2, 2, 2]);
  });

  it("walks on when the server caps the page size below the one asked for", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: (path) => path.includes("page=1&"), method: "GET" })
      .reply(200, page(["a", "b"], { page: 1, per_page: 2, count: 2, total_count: 3 }));
    pool
      .intercept({ path: (path) => path.includes("page=2&"), method: "GET" })
      .reply(200, page(["c"], { page: 2, per_page: 2, count: 1, total_count: 3 }));
    const names: string[] = [];
    for await (const item of client.listCustomHostnames(zoneId, {}, { perPage: 1000 }))
      names.push(item.hostname);
    expect(names).toEqual(["a", "b", "c"]);
  });

  it("lists a hostname once when an insert mid-walk shifts it onto the next page too", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: (path) => path.includes("page=1&"), method: "GET" })
      .reply(200, page(["a", "b"], { page: 1, per_page: 2, total_pages: 2 }));
    pool
      .intercept({ path: (path) => path.includes("page=2&"), method: "GET" })
      .reply(
        200,
        ok([hostname("b", "id-b-1"), hostname("c", "id-c-1")], { result_info: { total_pages: 2 } }),
      );
    const names: string[] = [];
    for await (const item of client.listCustomHostnames(zoneId, {}, { perPage: 2 }))
      names.push(item.hostname);
    expect(names).toEqual(["a", "b", "c"]);
  });

  it("fails instead of looping when the server ignores page and sends no totals", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: (path) => path.startsWith(listPath), method: "GET" })
      .reply(200, page(["a", "b"], { per_page: 2 }))
      .times(3);
    const names: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const item of client.listCustomHostnames(zoneId, {}, { perPage: 2 }))
          names.push(item.hostname);
      })(),
    );
    expect(names).toEqual(["a", "b"]);
    expect(error.kind).toBe("invalidResponse");
    expect(error.message).toMatch(/page 2 repeats only hostnames already listed/);
  });

  it("finds a hostname by exact name, ignoring near matches the server returns", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: `${listPath}?hostname=app.customer.com&page=1&per_page=50`, method: "GET" })
      .reply(
        200,
        page(["www.app.customer.com", "app.customer.com"], { page: 1, per_page: 50, total_count: 2 }),
      );
    expect((await client.findCustomHostname(zoneId, "app.customer.com"))?.hostname).toBe("app.customer.com");
    pool
      .intercept({ path: (path) => path.startsWith(listPath), method: "GET" })
      .reply(200, page([], { page: 1, per_page: 50, total_count: 0 }));
    expect(await client.findCustomHostname(zoneId, "gone.customer.com")).toBeUndefined();
  });
});

describe("writing custom hostnames and the fallback origin", () => {
  it("wraps ssl and sends its type and method on every edit", async () => {
    const { client, pool } = setup();
    let body: unknown;
    pool.intercept({ path: hostnamePath, method: "PATCH" }).reply((request) => {
      body = JSON.parse(String(request.body));
      return { statusCode: 202, data: ok(hostname("app.customer.com")) };
    });
    await client.editCustomHostname(zoneId, hostnameId, {
      ssl: { method: "http", certificate_authority: "google" },
      custom_metadata: { tier: "gold" },
    });
    expect(body).toEqual({
      ssl: { method: "http", type: "dv", certificate_authority: "google" },
      custom_metadata: { tier: "gold" },
    });
  });

  it("accepts the bare {id} Cloudflare documents for a deleted hostname", async () => {
    const { client, pool } = setup();
    pool.intercept({ path: hostnamePath, method: "DELETE" }).reply(200, { id: hostnameId });
    expect(await client.deleteCustomHostname(zoneId, hostnameId)).toEqual({ id: hostnameId });
  });

  it("puts, reads and deletes the fallback origin", async () => {
    const { client, pool } = setup();
    const path = `${listPath}/fallback_origin`;
    let body: unknown;
    pool.intercept({ path, method: "PUT" }).reply((request) => {
      body = JSON.parse(String(request.body));
      return {
        statusCode: 200,
        data: ok({ origin: "fallback.saas.com", status: "initializing", errors: [] }),
      };
    });
    pool.intercept({ path, method: "GET" }).reply(200, ok({ origin: "fallback.saas.com", status: "active" }));
    pool
      .intercept({ path, method: "DELETE" })
      .reply(200, ok({ origin: "fallback.saas.com", status: "pending_deletion" }));
    expect((await client.updateFallbackOrigin(zoneId, "fallback.saas.com")).status).toBe("initializing");
    expect(body).toEqual({ origin: "fallback.saas.com" });
    expect((await client.getFallbackOrigin(zoneId)).status).toBe("active");
    expect((await client.deleteFallbackOrigin(zoneId)).status).toBe("pending_deletion");
  });

  it("percent-encodes ids so they cannot reshape the path", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: `${listPath}/..%2F..%2Fuser`, method: "GET" })
      .reply(404, failure([1436, "not found"]));
    expect((await rejection(client.getCustomHostname(zoneId, "../../user"))).kind).toBe("notFound");
  });
});

describe("keeping the secret out of everything printable", () => {
  it("redacts a token that Cloudflare echoes back, in the message, JSON and inspection of the error", async () => {
    const { client, pool } = setup();
    pool
      .intercept({ path: `/client/v4/zones/${zoneId}`, method: "GET" })
      .reply(401, failure([1000, `Invalid API Token ${token}`]));
    const error = await rejection(client.getZone(zoneId));
    for (const rendering of [
      error.message,
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
    ]) {
      expect(rendering).not.toContain(token);
    }
    expect(error.messages).toEqual(["Invalid API Token [REDACTED]"]);
  });

  it("keeps the token out of network errors and out of the client itself", async () => {
    const { client, pool } = setup({ maxAttempts: 1 });
    pool.intercept({ path: hostnamePath, method: "GET" }).replyWithError(reset());
    const error = await rejection(client.getCustomHostname(zoneId, hostnameId));
    for (const rendering of [
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
      String(client),
      JSON.stringify(client),
      inspect(client, { depth: 10, showHidden: true }),
    ]) {
      expect(rendering).not.toContain(token);
    }
  });
});
