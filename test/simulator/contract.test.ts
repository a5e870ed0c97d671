import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTRACT_DEVIATIONS } from "../../src/simulator/contract-deviations.ts";
import { ContractValidator } from "./contract.ts";
import { type JsonBody, observedResponses, SimulatorHarness, TOKEN, ZONE_ID, ZONE_NAME } from "./harness.ts";

// Every call below goes through SimulatorHarness.api, which validates each answer against the official
// OpenAPI document (plus the listed deviations) with ajv; this file drives every operation and error case.
const PLAIN_ZONE = "abcdefabcdefabcdefabcdefabcdef12";
let h: SimulatorHarness;
beforeAll(async () => {
  h = await SimulatorHarness.start({
    timeScale: 1,
    zones: [
      { id: ZONE_ID, name: ZONE_NAME },
      {
        id: PLAIN_ZONE,
        name: "plain.com",
        entitlements: { customMetadata: false, customOriginServer: false },
      },
    ],
    credentials: [{ token: TOKEN }, { token: "only-plain-zone", zones: [PLAIN_ZONE] }],
  });
});
afterAll(() => h.close());

const missingId = "0d89c70d-ad9f-4843-b99f-6cc0252067e9";

describe("every operation answers within the official contract", () => {
  it("token verification: success, unknown token, no credentials", async () => {
    await h.api("GET", "/user/tokens/verify");
    await h.api("GET", "/user/tokens/verify", { auth: { token: "unknown" } });
    await h.api("GET", "/user/tokens/verify", { auth: "none" });
  });

  it("zone details: success, forbidden zone, malformed id", async () => {
    await h.api("GET", `/zones/${ZONE_ID}`);
    await h.api("GET", `/zones/${ZONE_ID}`, { auth: { token: "only-plain-zone" } });
    await h.api("GET", "/zones/nope");
  });

  it("fallback origin: absent, each status, invalid, deleted", async () => {
    await h.api("GET", h.hostnamesPath("/fallback_origin"));
    await h.api("PUT", h.hostnamesPath("/fallback_origin"), { body: { origin: "192.0.2.1" } });
    await h.api("PUT", h.hostnamesPath("/fallback_origin"), { body: { origin: `fallback.${ZONE_NAME}` } });
    for (const seconds of [31, 30]) {
      await h.advance(seconds);
      await h.api("GET", h.hostnamesPath("/fallback_origin"));
    }
    await h.api("DELETE", h.hostnamesPath("/fallback_origin"));
    await h.api("DELETE", h.hostnamesPath("/fallback_origin"));
    await h.api("PUT", h.hostnamesPath("/fallback_origin"), { body: { origin: "outside.other.com" } });
    await h.api("GET", h.hostnamesPath("/fallback_origin"));
    await h.api("PUT", h.hostnamesPath("/fallback_origin"), { body: { origin: `fallback.${ZONE_NAME}` } });
  });

  it("custom hostnames: create, read in every state, edit, list, delete and their failures", async () => {
    const created = await h.createHostname("contract.customer.com", {
      ssl: {
        method: "txt",
        type: "dv",
        certificate_authority: "ssl_com",
        settings: { min_tls_version: "1.2" },
      },
      custom_metadata: { tier: "gold" },
      custom_origin_server: `origin.${ZONE_NAME}`,
      custom_origin_sni: ":request_host_header:",
    });
    await h.createHostname("email.customer.com", { ssl: { method: "email", type: "dv" } });
    await h.createHostname("*.wild.customer.com", { ssl: { method: "txt", type: "dv", wildcard: true } });
    await h.advance(70);
    const pending = await h.getHostname(created.id);
    await h.setDns([
      { type: "CNAME", name: "contract.customer.com", value: `customers.${ZONE_NAME}` },
      {
        type: "TXT",
        name: pending.ssl.validation_records[0].txt_name,
        value: pending.ssl.validation_records[0].txt_value,
      },
    ]);
    for (const seconds of [70, 30, 30, 30]) {
      await h.advance(seconds);
      await h.getHostname(created.id);
    }
    await h.api("GET", h.hostnamesPath("?per_page=5&page=1"));
    await h.api("GET", h.hostnamesPath("?per_page=5&page=9"));
    await h.api("GET", h.hostnamesPath("?hostname=contract.customer.com"));
    await h.api("GET", h.hostnamesPath("?hostname=a.customer.com&hostname.exact=b.customer.com"));
    await h.api("GET", h.hostnamesPath(), { auth: { token: "only-plain-zone" } });
    await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { custom_metadata: { tier: "silver" } },
    });
    await h.api("PATCH", h.hostnamesPath(`/${created.id}`), { body: { ssl: { method: "txt", type: "dv" } } });
    await h.api("PATCH", h.hostnamesPath(`/${created.id}`), { body: { hostname: "other.customer.com" } });
    await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { ssl: { certificate_authority: "google" } },
    });
    await h.api("PATCH", h.hostnamesPath(`/${missingId}`), { body: {} });
    await h.api("POST", h.hostnamesPath(), { body: { hostname: "contract.customer.com" } });
    await h.api("POST", h.hostnamesPath(), { body: { hostname: "app.test" } });
    await h.api("POST", `/zones/${PLAIN_ZONE}/custom_hostnames`, {
      body: { hostname: "m.customer.com", custom_metadata: { a: "b" } },
    });
    await h.api("GET", h.hostnamesPath(`/${missingId}`));
    await h.api("GET", h.hostnamesPath("/bad-id"));
    await h.advance(8 * 86_400);
    await h.api("GET", h.hostnamesPath());
    await h.api("DELETE", h.hostnamesPath(`/${created.id}`));
    await h.api("DELETE", h.hostnamesPath(`/${created.id}`));
  });

  it("injected 500s and 429s keep the failure envelope", async () => {
    await h.setFaults([{ match: "*", serverErrorRate: 1, limit: 3 }]);
    await h.api("GET", "/user/tokens/verify");
    await h.api("GET", `/zones/${ZONE_ID}`);
    await h.api("GET", h.hostnamesPath());
    await h.setFaults([{ match: "*", rateLimitRate: 1, limit: 2 }]);
    await h.api("GET", h.hostnamesPath("/fallback_origin"));
    await h.api("POST", h.hostnamesPath(), { body: { hostname: "x.customer.com" } });
    await h.setFaults([]);
  });

  it("exercised every documented operation with successes and failures", () => {
    const seen = new Set(
      observedResponses.map((r) => `${r.method} ${r.path} ${r.status < 300 ? "ok" : "fail"}`),
    );
    const operations = [
      "GET /user/tokens/verify",
      "GET /zones/:zone_id",
      "GET /zones/:zone_id/custom_hostnames",
      "POST /zones/:zone_id/custom_hostnames",
      "GET /zones/:zone_id/custom_hostnames/:custom_hostname_id",
      "PATCH /zones/:zone_id/custom_hostnames/:custom_hostname_id",
      "DELETE /zones/:zone_id/custom_hostnames/:custom_hostname_id",
      "GET /zones/:zone_id/custom_hostnames/fallback_origin",
      "PUT /zones/:zone_id/custom_hostnames/fallback_origin",
      "DELETE /zones/:zone_id/custom_hostnames/fallback_origin",
    ];
    const missing = operations.flatMap((op) => [`${op} ok`, `${op} fail`]).filter((c) => !seen.has(c));
    expect(missing).toEqual([]);
    const sslStatuses = new Set(
      observedResponses.flatMap((r) => {
        const result = (r.body as { result?: unknown } | undefined)?.result;
        const hostnames = (Array.isArray(result) ? result : [result]) as Array<{
          ssl?: { status?: string };
        } | null>;
        return hostnames.flatMap((hostname) => (hostname?.ssl?.status ? [hostname.ssl.status] : []));
      }),
    );
    expect([...sslStatuses].sort()).toEqual(
      [
        "active",
        "initializing",
        "pending_deployment",
        "pending_issuance",
        "pending_validation",
        "validation_timed_out",
      ].sort(),
    );
  });
});

describe("the listed deviations", () => {
  const byTitle = (title: string) => {
    const deviation = CONTRACT_DEVIATIONS.find((d) => d.title === title);
    if (!deviation) throw new Error(`no deviation titled ${title}`);
    return deviation;
  };
  const without = (title: string) =>
    new ContractValidator(CONTRACT_DEVIATIONS.filter((d) => d !== byTitle(title)));
  const sampleOf = (method: string, suffix: string) => {
    const sample = observedResponses.find(
      (r) => r.method === method && r.path.endsWith(suffix) && r.status === 200,
    );
    if (!sample) throw new Error(`no successful ${method} …${suffix} observed`);
    return { ...sample, body: structuredClone(sample.body) as JsonBody };
  };

  it("that relax the document are each needed: without one, some answer above breaks the document", () => {
    expect(observedResponses.length).toBeGreaterThan(40);
    for (const deviation of CONTRACT_DEVIATIONS.filter((d) => d.effect === "relaxes")) {
      const validator = new ContractValidator(CONTRACT_DEVIATIONS.filter((d) => d !== deviation));
      const broken = observedResponses.filter((response) => validator.check(response).length > 0);
      expect(broken.length, deviation.title).toBeGreaterThan(0);
    }
  });

  it("that tighten the document catch a fallback origin status outside today's six values", () => {
    const response = sampleOf("GET", "/fallback_origin");
    response.body.result.status = "deploying";
    expect(new ContractValidator().check(response)).not.toEqual([]);
    expect(without("The fallback origin result is typed").check(response)).toEqual([]);
  });

  it("that tighten the document catch a total_pages that is not a number", () => {
    const response = sampleOf("GET", "/custom_hostnames");
    response.body.result_info.total_pages = "3";
    expect(new ContractValidator().check(response)).not.toEqual([]);
    expect(without("result_info carries total_pages").check(response)).toEqual([]);
  });

  it("leave the rest of the contract strict: an unknown hostname status is still rejected", () => {
    const response = sampleOf("GET", "/:custom_hostname_id");
    response.body.result.status = "validated";
    expect(new ContractValidator().check(response)).not.toEqual([]);
  });

  it("each give a reason", () => {
    for (const deviation of CONTRACT_DEVIATIONS)
      expect(deviation.reason.length, deviation.title).toBeGreaterThan(40);
  });
});
