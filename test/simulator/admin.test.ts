import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimulatorHarness, ZONE_NAME } from "./harness.ts";

let h: SimulatorHarness;
beforeAll(async () => {
  h = await SimulatorHarness.start();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
});

describe("admin API", () => {
  it("upserts DNS records by type and name, and removes one given an empty value", async () => {
    await h.setDns([
      { type: "CNAME", name: "App.Customer.com.", value: `customers.${ZONE_NAME}` },
      { type: "TXT", name: "_cf-custom-hostname.app.customer.com", value: "token-1" },
    ]);
    await h.setDns([{ type: "TXT", name: "_cf-custom-hostname.app.customer.com", value: "token-2" }]);
    let records = (await h.admin("GET", "/dns")).body.records;
    expect(
      records.map((r: { type: string; name: string; value: string }) => [r.type, r.name, r.value]),
    ).toEqual([
      ["CNAME", "app.customer.com", `customers.${ZONE_NAME}`],
      ["TXT", "_cf-custom-hostname.app.customer.com", "token-2"],
    ]);
    await h.setDns([{ type: "CNAME", name: "app.customer.com", value: "" }]);
    records = (await h.admin("GET", "/dns")).body.records;
    expect(records).toHaveLength(1);
  });

  it("takes A and AAAA records with TTLs, and refuses other types and TTLs over a day with 400", async () => {
    await h.setDns([
      { type: "A", name: "customer.com", value: "192.0.2.1", ttl: 300 },
      { type: "AAAA", name: "customer.com", value: "2001:db8::1" },
    ]);
    expect((await h.admin("GET", "/dns")).body.records).toMatchObject([
      { type: "A", name: "customer.com", value: "192.0.2.1", ttl: 300 },
      { type: "AAAA", name: "customer.com", value: "2001:db8::1", ttl: 60 },
    ]);
    for (const record of [
      { type: "MX", name: "customer.com", value: "mail.customer.com" },
      { type: "A", name: "customer.com", value: "192.0.2.1", ttl: 86_401 },
    ]) {
      expect((await h.admin("POST", "/dns", { records: [record] })).status).toBe(400);
    }
  });

  it("sets DNS faults per name, refuses unknown kinds with 400, and clears them on reset", async () => {
    await h.admin("POST", "/dns-faults", { rules: [{ name: "Slow.Customer.com", kind: "timeout" }] });
    expect((await h.admin("GET", "/dns-faults")).body).toEqual({
      rules: [{ name: "slow.customer.com", kind: "timeout" }],
    });
    const refused = await h.admin("POST", "/dns-faults", {
      rules: [{ name: "x.customer.com", kind: "slow" }],
    });
    expect(refused.status).toBe(400);
    await h.admin("POST", "/reset");
    expect((await h.admin("GET", "/dns-faults")).body).toEqual({ rules: [] });
  });

  it("counts requests per method and route template, per status answered, and in total", async () => {
    const created = await h.createHostname("stats.customer.com");
    await h.getHostname(created.id);
    await h.getHostname(created.id);
    await h.api("GET", h.hostnamesPath());
    await h.api("GET", "/user/tokens/verify");
    await h.api("GET", `/zones/${h.zoneId}`);
    await h.api("GET", h.hostnamesPath("/fallback_origin"));
    await h.api("GET", "/no/such/route");
    expect((await h.admin("GET", "/stats")).body).toEqual({
      total: 8,
      byEndpoint: {
        "POST /zones/:zone_id/custom_hostnames": 1,
        "GET /zones/:zone_id/custom_hostnames/:custom_hostname_id": 2,
        "GET /zones/:zone_id/custom_hostnames": 1,
        "GET /user/tokens/verify": 1,
        "GET /zones/:zone_id": 1,
        "GET /zones/:zone_id/custom_hostnames/fallback_origin": 1,
      },
      // The fallback origin is not set (404) and the unknown route is refused (400).
      byStatus: { "201": 1, "200": 5, "404": 1, "400": 1 },
    });
  });

  it("sets the rate limit at run time, starting a fresh window, and counts the 429s it answers", async () => {
    expect((await h.admin("POST", "/rate-limit", { requests: 2, windowSeconds: 60 })).body).toEqual({
      requests: 2,
      windowSeconds: 60,
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.api("GET", "/user/tokens/verify")).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await h.admin("GET", "/stats")).body.byStatus).toEqual({ "200": 2, "429": 1 });
    await h.admin("POST", "/rate-limit", { requests: 1200, windowSeconds: 300 });
    expect((await h.admin("GET", "/rate-limit")).body).toEqual({ requests: 1200, windowSeconds: 300 });
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(200);
  });

  it("refuses a rate limit that is not two positive integers with 400", async () => {
    expect((await h.admin("POST", "/rate-limit", { requests: 0, windowSeconds: 300 })).status).toBe(400);
    expect((await h.admin("POST", "/rate-limit", { requests: 10 })).status).toBe(400);
  });

  it("does not count its own requests", async () => {
    await h.admin("GET", "/dns");
    expect((await h.admin("GET", "/stats")).body.total).toBe(0);
  });

  it("dumps every hostname with its zone and computed state", async () => {
    const created = await h.createHostname("dump.customer.com");
    const dump = (await h.admin("GET", "/hostnames")).body.hostnames;
    expect(dump).toEqual([expect.objectContaining({ zone_id: h.zoneId, id: created.id, status: "pending" })]);
  });

  it("advances the simulated clock", async () => {
    const before = Date.parse((await h.admin("GET", "/clock")).body.now);
    const after = Date.parse((await h.admin("POST", "/clock", { advanceSeconds: 3600 })).body.now);
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
  });

  it("resets hostnames, fallback origins, DNS, faults and stats", async () => {
    await h.createHostname("reset.customer.com");
    await h.putFallbackOrigin();
    await h.setDns([{ type: "TXT", name: "x.customer.com", value: "y" }]);
    await h.setFaults([{ match: "GET /user/tokens/verify", latencyMs: 1 }]);
    expect((await h.admin("POST", "/reset")).status).toBe(200);
    expect((await h.admin("GET", "/hostnames")).body.hostnames).toEqual([]);
    expect((await h.admin("GET", "/dns")).body.records).toEqual([]);
    expect((await h.admin("GET", "/faults")).body.rules).toEqual([]);
    expect((await h.admin("GET", "/stats")).body).toEqual({ total: 0, byEndpoint: {}, byStatus: {} });
    expect((await h.api("GET", h.hostnamesPath("/fallback_origin"))).status).toBe(404);
  });

  it("answers unknown admin paths with 404", async () => {
    expect((await h.admin("GET", "/nothing")).status).toBe(404);
  });
});
