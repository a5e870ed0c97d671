import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimulatorHarness } from "./harness.ts";

const LIST = "GET /zones/:zone_id/custom_hostnames";

let h: SimulatorHarness;
beforeAll(async () => {
  h = await SimulatorHarness.start();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
});

async function rawGet(path: string): Promise<Response> {
  return fetch(`${h.sim.url}${path}`, {
    headers: { authorization: `Bearer ${(h.auth as { token: string }).token}` },
  });
}

describe("fault injection", () => {
  it("delays matching requests by latencyMs", async () => {
    await h.setFaults([{ match: LIST, latencyMs: 300 }]);
    const started = Date.now();
    expect((await h.api("GET", h.hostnamesPath())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("answers 500 with the failure envelope at serverErrorRate 1", async () => {
    await h.setFaults([{ match: LIST, serverErrorRate: 1 }]);
    const response = await h.api("GET", h.hostnamesPath());
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ success: false, errors: [{ code: 1500 }] });
  });

  it("answers 429 with a retry-after at rateLimitRate 1", async () => {
    await h.setFaults([{ match: LIST, rateLimitRate: 1, retryAfterSeconds: 3 }]);
    const response = await h.api("GET", h.hostnamesPath());
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
  });

  it("resets the connection at resetRate 1", async () => {
    await h.setFaults([{ match: LIST, resetRate: 1 }]);
    await expect(rawGet(h.hostnamesPath())).rejects.toThrow();
  });

  it("answers a truncated JSON body at malformedRate 1", async () => {
    await h.setFaults([{ match: LIST, malformedRate: 1 }]);
    const response = await rawGet(h.hostnamesPath());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("affects only the matching endpoint", async () => {
    await h.setFaults([{ match: LIST, serverErrorRate: 1 }]);
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(200);
  });

  it("matches every endpoint with *", async () => {
    await h.setFaults([{ match: "*", serverErrorRate: 1 }]);
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(500);
    expect((await h.api("GET", `/zones/${h.zoneId}`)).status).toBe(500);
  });

  it("stops after limit affected requests", async () => {
    await h.setFaults([{ match: LIST, serverErrorRate: 1, limit: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.api("GET", h.hostnamesPath())).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect((await h.admin("GET", "/faults")).body.rules[0].affected).toBe(2);
  });

  it("injects about the configured share of errors", async () => {
    await h.setFaults([{ match: LIST, serverErrorRate: 0.3 }]);
    let errors = 0;
    for (let i = 0; i < 200; i++) if ((await h.api("GET", h.hostnamesPath())).status === 500) errors++;
    expect(errors).toBeGreaterThan(35);
    expect(errors).toBeLessThan(85);
  });

  it("clears all rules with an empty list", async () => {
    await h.setFaults([{ match: "*", serverErrorRate: 1 }]);
    await h.setFaults([]);
    expect((await h.api("GET", h.hostnamesPath())).status).toBe(200);
  });

  it("refuses an invalid rule with 400", async () => {
    const response = await h.setFaults([{ match: LIST, serverErrorRate: 2 }]);
    expect(response.status).toBe(400);
    expect(response.body.error).toContain("serverErrorRate");
  });

  it("does not change state when a write fails with an injected error", async () => {
    await h.setFaults([{ match: "POST /zones/:zone_id/custom_hostnames", serverErrorRate: 1 }]);
    await h.api("POST", h.hostnamesPath(), { body: { hostname: "x.customer.com" } });
    expect((await h.admin("GET", "/hostnames")).body.hostnames).toEqual([]);
  });
});
