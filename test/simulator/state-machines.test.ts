import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, SimulatorHarness, ZONE_NAME } from "./harness.ts";

const CNAME_TARGET = `customers.${ZONE_NAME}`;

describe("state machines stepped with the simulated clock", () => {
  let h: SimulatorHarness;
  beforeAll(async () => {
    h = await SimulatorHarness.start({ timeScale: 1 });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
  });

  describe("fallback origin", () => {
    it("moves initializing → pending_deployment → active", async () => {
      expect((await h.putFallbackOrigin()).status).toBe("initializing");
      await h.advance(31);
      expect((await h.api("GET", h.hostnamesPath("/fallback_origin"))).body.result.status).toBe(
        "pending_deployment",
      );
      await h.advance(30);
      const active = (await h.api("GET", h.hostnamesPath("/fallback_origin"))).body.result;
      expect(active).toMatchObject({ origin: `fallback.${ZONE_NAME}`, status: "active", errors: [] });
    });

    it("keeps its status when the same origin is put again, and restarts when the origin changes", async () => {
      await h.putFallbackOrigin();
      await h.advance(61);
      expect((await h.putFallbackOrigin()).status).toBe("active");
      expect((await h.putFallbackOrigin(`other.${ZONE_NAME}`)).status).toBe("initializing");
    });

    it("never deploys an origin outside the zone and reports the DNS error", async () => {
      await h.putFallbackOrigin("origin.elsewhere.net");
      await h.advance(3600);
      const result = (await h.api("GET", h.hostnamesPath("/fallback_origin"))).body.result;
      expect(result.status).toBe("initializing");
      expect(result.errors).toEqual([
        "DNS records are not setup correctly. Origin should be a proxied A/AAAA/CNAME dns record",
      ]);
    });

    it("answers a delete with pending_deletion, after which it is gone", async () => {
      await h.putFallbackOrigin();
      const deleted = await h.api("DELETE", h.hostnamesPath("/fallback_origin"));
      expect(deleted.status).toBe(200);
      expect(deleted.body.result.status).toBe("pending_deletion");
      expect((await h.api("GET", h.hostnamesPath("/fallback_origin"))).status).toBe(404);
    });
  });

  describe("custom hostname and certificate", () => {
    it("walks the documented path from pending to active once the CNAME and fallback origin are in place", async () => {
      const created = await h.createHostname("shop.customer.com");
      expect(created.status).toBe("pending");
      expect(created.ssl.status).toBe("initializing");
      expect(created.ssl.validation_records).toBeUndefined();
      expect(created.verification_errors).toBeUndefined();

      await h.advance(6);
      let read = await h.getHostname(created.id);
      expect(read.ssl.status).toBe("pending_validation");
      expect(read.ssl.validation_records).toEqual([
        {
          http_url: expect.stringMatching(/^http:\/\/shop\.customer\.com\/\.well-known\/acme-challenge\//),
          http_body: expect.any(String),
        },
      ]);

      await h.advance(60);
      read = await h.getHostname(created.id);
      expect(read.status).toBe("pending");
      expect(read.verification_errors).toEqual([
        "Zone does not have a fallback origin set.",
        "custom hostname does not CNAME to this zone.",
      ]);

      await h.putFallbackOrigin();
      read = await h.getHostname(created.id);
      expect(read.verification_errors).toEqual([
        "Fallback origin is in initializing state.",
        "custom hostname does not CNAME to this zone.",
      ]);

      await h.setDns([{ type: "CNAME", name: "shop.customer.com", value: CNAME_TARGET }]);
      await h.advance(61); // fallback origin active; the next scheduled checks pass
      await h.advance(130);
      read = await h.getHostname(created.id);
      expect(read.status).toBe("active");
      expect(read.verification_errors).toBeUndefined();
      expect(read.ownership_verification).toBeUndefined();
      expect(["pending_issuance", "pending_deployment", "active"]).toContain(read.ssl.status);

      await h.advance(61);
      read = await h.getHostname(created.id);
      expect(read.ssl.status).toBe("active");
      expect(read.ssl.validation_records).toBeUndefined();
      expect(read.ssl).toMatchObject({ issuer: "GoogleTrustServices", hosts: ["shop.customer.com"] });
      expect(read.ssl.serial_number).toMatch(/^[0-9a-f]+$/);
      const lifetimeDays = (Date.parse(read.ssl.expires_on) - Date.parse(read.ssl.uploaded_on)) / 86_400_000;
      expect(lifetimeDays).toBe(90);
    });

    it("passes DCV in steps: pending_issuance, then pending_deployment with the certificate, then active", async () => {
      await h.putFallbackOrigin();
      await h.setDns([{ type: "CNAME", name: "steps.customer.com", value: CNAME_TARGET }]);
      const created = await h.createHostname("steps.customer.com", {
        ssl: { method: "http", type: "dv", certificate_authority: "lets_encrypt" },
      });
      await h.advance(60); // first DCV check at 60 s passes
      let ssl = (await h.getHostname(created.id)).ssl;
      expect(ssl.status).toBe("pending_issuance");
      expect(ssl.issuer).toBeUndefined();
      await h.advance(30);
      ssl = (await h.getHostname(created.id)).ssl;
      expect(ssl.status).toBe("pending_deployment");
      expect(ssl.issuer).toBe("LetsEncrypt");
      await h.advance(30);
      expect((await h.getHostname(created.id)).ssl.status).toBe("active");
    });

    it("validates ownership through the TXT record and the certificate through the ACME TXT record", async () => {
      await h.putFallbackOrigin();
      const created = await h.api("POST", h.hostnamesPath(), {
        body: { hostname: "pre.customer.com", ssl: { method: "txt", type: "dv" } },
      });
      const hostname = created.body.result;
      await h.advance(6);
      const record = (await h.getHostname(hostname.id)).ssl.validation_records[0];
      expect(record.txt_name).toBe("_acme-challenge.pre.customer.com");
      await h.setDns([
        {
          type: "TXT",
          name: hostname.ownership_verification.name,
          value: hostname.ownership_verification.value,
        },
        { type: "TXT", name: record.txt_name, value: record.txt_value },
      ]);
      await h.advance(400);
      const read = await h.getHostname(hostname.id);
      expect({ status: read.status, ssl: read.ssl.status }).toEqual({ status: "active", ssl: "active" });
    });

    it("does not accept a CNAME that points outside the zone or a TXT with the wrong value", async () => {
      await h.putFallbackOrigin();
      const created = await h.createHostname("wrong.customer.com");
      await h.setDns([
        { type: "CNAME", name: "wrong.customer.com", value: "customers.other-saas.com" },
        { type: "TXT", name: "_cf-custom-hostname.wrong.customer.com", value: "not-the-token" },
      ]);
      await h.advance(3600);
      const read = await h.getHostname(created.id);
      expect(read.status).toBe("pending");
      expect(read.ssl.status).toBe("pending_validation");
    });

    it("accepts an apex whose A record is the zone target's address (CNAME flattening), not another address", async () => {
      await h.putFallbackOrigin();
      const flattened = await h.createHostname("flattened-customer.com");
      const own = await h.createHostname("own-servers-customer.com");
      await h.setDns([
        { type: "A", name: CNAME_TARGET, value: "192.0.2.10" },
        { type: "A", name: "flattened-customer.com", value: "192.0.2.10" },
        { type: "A", name: "own-servers-customer.com", value: "198.51.100.7" },
      ]);
      await h.advance(3600);
      expect((await h.getHostname(flattened.id)).status).toBe("active");
      expect((await h.getHostname(own.id)).status).toBe("pending");
    });

    it("keeps email validation pending, since nobody clicks the link", async () => {
      await h.putFallbackOrigin();
      await h.setDns([{ type: "CNAME", name: "mail.customer.com", value: CNAME_TARGET }]);
      const created = await h.createHostname("mail.customer.com", { ssl: { method: "email", type: "dv" } });
      await h.advance(3600);
      const read = await h.getHostname(created.id);
      expect(read.status).toBe("active");
      expect(read.ssl.status).toBe("pending_validation");
      expect(read.ssl.validation_records[0].emails).toContain("administrator@customer.com");
    });

    it("stays active when the customer removes the CNAME after validation", async () => {
      await h.putFallbackOrigin();
      await h.setDns([{ type: "CNAME", name: "kept.customer.com", value: CNAME_TARGET }]);
      const created = await h.createHostname("kept.customer.com");
      await h.advance(200);
      await h.setDns([{ type: "CNAME", name: "kept.customer.com", value: "" }]);
      await h.advance(200);
      expect((await h.getHostname(created.id)).status).toBe("active");
    });

    it("checks on the backoff schedule: a CNAME added between checks is seen at the next check", async () => {
      await h.putFallbackOrigin();
      await h.advance(61);
      const created = await h.createHostname("sched.customer.com");
      await h.advance(70); // checks at 60 s and 123 s after creation
      await h.setDns([{ type: "CNAME", name: "sched.customer.com", value: CNAME_TARGET }]);
      await h.advance(50); // 120 s: the second check has not run yet
      expect((await h.getHostname(created.id)).status).toBe("pending");
      await h.advance(5); // 125 s: past the check at 123 s
      expect((await h.getHostname(created.id)).status).toBe("active");
    });

    it("moves a hostname that never validated after the 75 checks (~7 days), then marks it deleted a week later", async () => {
      const created = await h.createHostname("lost.customer.com");
      await h.advance(7.1 * 86_400);
      let read = await h.getHostname(created.id);
      expect(read.status).toBe("moved");
      expect(read.ssl.status).toBe("validation_timed_out");
      await h.advance(7 * 86_400);
      read = await h.getHostname(created.id);
      expect(read.status).toBe("deleted");
    });

    it("refreshes with a PATCH of the same ssl method and type: a moved hostname is pending again with a new schedule", async () => {
      await h.putFallbackOrigin();
      const created = await h.createHostname("revive.customer.com");
      await h.advance(7.1 * 86_400);
      expect((await h.getHostname(created.id)).status).toBe("moved");
      await h.setDns([{ type: "CNAME", name: "revive.customer.com", value: CNAME_TARGET }]);
      const refreshed = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
        body: { ssl: { method: "http", type: "dv" } },
      });
      expect(refreshed.status).toBe(202);
      expect(refreshed.body.result.status).toBe("pending");
      expect(refreshed.body.result.ssl.status).toBe("pending_validation");
      expect(refreshed.body.result.ssl.id).toBe(created.ssl.id);
      await h.advance(200);
      const read = await h.getHostname(created.id);
      expect({ status: read.status, ssl: read.ssl.status }).toEqual({ status: "active", ssl: "active" });
    });

    it("issues wildcard certificates covering the wildcard and its apex", async () => {
      await h.putFallbackOrigin();
      const created = await h.api("POST", h.hostnamesPath(), {
        body: { hostname: "*.wild.customer.com", ssl: { method: "txt", type: "dv", wildcard: true } },
      });
      const hostname = created.body.result;
      await h.advance(6);
      const record = (await h.getHostname(hostname.id)).ssl.validation_records[0];
      expect(record.txt_name).toBe("_acme-challenge.wild.customer.com");
      await h.setDns([{ type: "TXT", name: record.txt_name, value: record.txt_value }]);
      await h.advance(200);
      const ssl = (await h.getHostname(hostname.id)).ssl;
      expect(ssl.status).toBe("active");
      expect(ssl.hosts).toEqual(["*.wild.customer.com", "wild.customer.com"]);
    });
  });
});

describe("accelerated time", () => {
  let h: SimulatorHarness;
  beforeEach(async () => {
    h = await SimulatorHarness.start({ timeScale: 1000 });
  });
  afterEach(() => h.close());

  it("turns a hostname whose DNS is right fully active within about a second of real time at timeScale 1000", async () => {
    const started = Date.now();
    await h.putFallbackOrigin();
    await h.setDns([{ type: "CNAME", name: "fast.customer.com", value: CNAME_TARGET }]);
    const created = await h.createHostname("fast.customer.com");
    const active = await eventually(
      () => h.getHostname(created.id),
      (r) => r.status === "active" && r.ssl.status === "active",
      3000,
    );
    expect(active.ssl.issuer).toBeDefined();
    // About 120 ms of simulated validation; the margin absorbs a busy CI machine.
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
