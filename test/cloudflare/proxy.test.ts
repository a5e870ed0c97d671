/**
 * The Cloudflare client behind a real forward proxy on 127.0.0.1: every request goes through it when the
 * standard variables say so, none when NO_PROXY exempts the host, with the pool's limits and the attempt
 * observations unchanged. The simulator serves plain http, so this is the HTTP_PROXY (forwarding) path; the
 * HTTPS_PROXY (CONNECT) path is proven end to end in test/integration/operator-proxy.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AttemptObservation,
  CloudflareApiError,
  CloudflareClient,
  egressProxyFromEnv,
  type PoolLimits,
  PoolRegistry,
  RateLimiterRegistry,
} from "../../src/cloudflare/index.ts";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.ts";
import { type RecordingProxy, startRecordingProxy } from "../support/egress-proxy.ts";

const zone = { id: "023e105f4ecef8ad9ca31a8372d0c353", name: "saasprovider.com" };
const token = "sim-token-behind-a-proxy-5e7a9c1b3d";

let simulator: RunningSimulator;
let proxy: RecordingProxy;
let pools: PoolRegistry | undefined;

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, seed: 11, zones: [zone], credentials: [{ token }] });
  proxy = await startRecordingProxy();
});

afterAll(async () => {
  await proxy.close();
  await simulator.close();
});

beforeEach(async () => {
  await admin("POST", "/reset");
  proxy.clear();
  proxy.requireAuthorization(undefined);
});

afterEach(async () => {
  await pools?.close();
  pools = undefined;
});

async function admin(method: string, path: string): Promise<unknown> {
  const response = await fetch(`${simulator.adminUrl}${path}`, { method });
  expect(response.status).toBe(200);
  return response.json();
}

async function simulatorRequests(): Promise<number> {
  return ((await admin("GET", "/stats")) as { total: number }).total;
}

/** A client whose connections are configured from `env` as the operator's are from its own environment. */
function clientWithEnv(env: NodeJS.ProcessEnv, limits?: PoolLimits) {
  pools = new PoolRegistry({ proxy: egressProxyFromEnv(env), ...(limits ? { limits } : {}) });
  const attempts: AttemptObservation[] = [];
  const client = new CloudflareClient({
    baseUrl: simulator.url,
    credentials: { kind: "apiToken", token },
    pools,
    limiters: new RateLimiterRegistry({ policy: { requests: 500, windowSeconds: 1 } }),
    backoff: { baseMs: 10, capMs: 50 },
    maxAttempts: 2,
    timeoutMs: 5_000,
    observer: (attempt) => attempts.push(attempt),
  });
  return { client, attempts };
}

/** Every kind of call a reconciler makes: reads, a create, an edit, a delete, the fallback origin. */
async function reconcilerTraffic(client: CloudflareClient): Promise<void> {
  await client.verifyToken();
  await client.getZone(zone.id);
  await client.updateFallbackOrigin(zone.id, "fallback.saasprovider.com");
  await client.getFallbackOrigin(zone.id);
  const created = await client.createCustomHostname(zone.id, {
    hostname: "shop.proxied-customer.com",
    ssl: { method: "http", type: "dv" },
  });
  expect(await client.findCustomHostname(zone.id, "shop.proxied-customer.com")).toMatchObject({
    id: created.id,
  });
  await client.getCustomHostname(zone.id, created.id);
  await client.editCustomHostname(zone.id, created.id, { custom_metadata: { tenant: "shop" } });
  await client.deleteCustomHostname(zone.id, created.id);
}

describe("with HTTP_PROXY set", () => {
  it("sends every request through the proxy, and still observes each attempt and its cf-ray", async () => {
    const { client, attempts } = clientWithEnv({ HTTP_PROXY: proxy.url });
    await reconcilerTraffic(client);

    const total = await simulatorRequests();
    expect(total).toBeGreaterThanOrEqual(9);
    expect(proxy.forwarded).toHaveLength(total);
    const apiBase = `${simulator.url}/`;
    expect(proxy.forwarded.filter((url) => !url.startsWith(apiBase))).toEqual([]);
    expect(proxy.tunnels).toEqual([]);

    expect(attempts).toHaveLength(total);
    expect(new Set(attempts.map((attempt) => attempt.method))).toEqual(
      new Set(["GET", "PUT", "POST", "PATCH", "DELETE"]),
    );
    for (const attempt of attempts) {
      expect(Math.floor(attempt.status / 100)).toBe(2);
      expect(attempt.requestId).toMatch(/-SIM$/);
    }
  });

  it("keeps the pool's connection limit on the connections to the proxy", async () => {
    const limits = { connections: 2, pipelining: 1, keepAliveTimeout: 30_000 };
    const { client } = clientWithEnv({ HTTP_PROXY: proxy.url }, limits);
    const calls = 12;
    await Promise.all(Array.from({ length: calls }, () => client.getZone(zone.id)));

    expect(await simulatorRequests()).toBe(calls);
    expect(proxy.forwarded).toHaveLength(calls);
    expect(proxy.connections()).toBeGreaterThan(0);
    expect(proxy.connections()).toBeLessThanOrEqual(limits.connections);
  });

  it("authenticates with the user and password in the proxy URL, and reports a refusal as a network error", async () => {
    proxy.requireAuthorization(`Basic ${Buffer.from("egress:p@ss word").toString("base64")}`);
    const proxyUrl = new URL(proxy.url);

    proxyUrl.username = "egress";
    proxyUrl.password = encodeURIComponent("p@ss word");
    const allowed = clientWithEnv({ HTTP_PROXY: proxyUrl.href });
    expect(await allowed.client.getZone(zone.id)).toMatchObject({ id: zone.id });
    expect(proxy.forwarded).toHaveLength(1);
    await pools?.close();

    proxyUrl.password = "wrong-password";
    const refused = clientWithEnv({ HTTP_PROXY: proxyUrl.href });
    const failure = await refused.client.getZone(zone.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CloudflareApiError);
    expect(failure).toMatchObject({ kind: "network", status: 0 });
    expect((failure as CloudflareApiError).message).toContain("Proxy Authentication Required (407)");
    expect((failure as CloudflareApiError).message).not.toContain("wrong-password");
    // The proxy answered; Cloudflare never saw the calls.
    expect(await simulatorRequests()).toBe(1);
  });
});

describe("with HTTPS_PROXY set", () => {
  it("asks the proxy for a CONNECT tunnel to an https origin, and reports a refusal as a network error", async () => {
    proxy.requireAuthorization("Basic bm90LXRoaXM6b25l");
    pools = new PoolRegistry({ proxy: egressProxyFromEnv({ HTTPS_PROXY: proxy.url }) });
    const client = new CloudflareClient({
      // Never reached: the proxy refuses the tunnel first.
      baseUrl: "https://127.0.0.1:1/client/v4",
      credentials: { kind: "apiToken", token },
      pools,
      backoff: { baseMs: 10, capMs: 50 },
      maxAttempts: 2,
    });

    const failure = await client.getZone(zone.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CloudflareApiError);
    expect(failure).toMatchObject({ kind: "network", status: 0, retryable: true });
    expect((failure as CloudflareApiError).message).toContain("Proxy response (407) !== 200");
    expect(proxy.tunnels).toEqual(["127.0.0.1:1", "127.0.0.1:1"]);
    expect(proxy.forwarded).toEqual([]);
  });
});

describe("with the simulator's host in NO_PROXY", () => {
  it("reaches it directly: the proxy sees nothing", async () => {
    const { client } = clientWithEnv({ HTTP_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" });
    await reconcilerTraffic(client);

    expect(await simulatorRequests()).toBeGreaterThanOrEqual(9);
    expect(proxy.connections()).toBe(0);
    expect(proxy.forwarded).toEqual([]);
  });

  it("exempts only the port an entry names", async () => {
    const simulatorPort = new URL(simulator.url).port;
    const otherPort = String(Number(simulatorPort) === 1 ? 2 : 1);

    const exempt = clientWithEnv({ HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${simulatorPort}` });
    await exempt.client.getZone(zone.id);
    expect(proxy.forwarded).toEqual([]);
    await pools?.close();

    const proxied = clientWithEnv({ HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${otherPort}` });
    await proxied.client.getZone(zone.id);
    expect(proxy.forwarded).toHaveLength(1);
    expect(await simulatorRequests()).toBe(2);
  });
});

describe("with no proxy variable set", () => {
  it("connects directly", async () => {
    const { client } = clientWithEnv({});
    await client.getZone(zone.id);
    expect(await simulatorRequests()).toBe(1);
    expect(proxy.connections()).toBe(0);
  });
});
