import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type JsonBody, SimulatorHarness, TOKEN, ZONE_ID, ZONE_NAME } from "./harness.ts";

const OTHER_ZONE = "99999999999999999999999999999999";
const RESTRICTED_TOKEN = "restricted-token-only-for-the-other-zone";
const EMAIL = "ops@saasprovider.com";
const API_KEY = "0123456789abcdef0123456789abcdef01234";

let h: SimulatorHarness;
beforeAll(async () => {
  h = await SimulatorHarness.start({
    zones: [
      { id: ZONE_ID, name: ZONE_NAME },
      {
        id: OTHER_ZONE,
        name: "plain-zone.com",
        entitlements: { customMetadata: false, customOriginServer: false },
      },
    ],
    credentials: [
      { token: TOKEN },
      { token: RESTRICTED_TOKEN, zones: [OTHER_ZONE] },
      { email: EMAIL, apiKey: API_KEY },
    ],
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
});

function expectError(response: { status: number; body: JsonBody }, status: number, code: number): void {
  expect({
    status: response.status,
    codes: response.body.errors.map((e: { code: number }) => e.code),
  }).toEqual({
    status,
    codes: [code],
  });
  expect(response.body.success).toBe(false);
  expect(response.body.result).toBeNull();
}

const create = (body: unknown, zone = ZONE_ID) => h.api("POST", `/zones/${zone}/custom_hostnames`, { body });

describe("invalid custom hostnames are refused with Cloudflare's codes", () => {
  it.each([
    ["an IPv4 address", "192.0.2.10", 1407],
    ["an IPv6 address", "2001:db8::1", 1407],
    [
      "a name of 256 characters",
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}.com`,
      1407,
    ],
    ["an underscore", "bad_name.customer.com", 1407],
    ["a label starting with a hyphen", "-app.customer.com", 1407],
    ["non-ASCII characters", "bücher.customer.de", 1408],
    ["the reserved TLD .test", "app.test", 1409],
    ["the reserved TLD .localhost", "app.localhost", 1409],
    ["the reserved TLD .invalid", "shop.invalid", 1409],
    ["the reserved TLD .example", "shop.example", 1409],
    ["a single label", "intranet", 1410],
    ["a bare public suffix", "co.uk", 1410],
    ["example.com", "example.com", 1411],
    ["a name under example.org", "www.example.org", 1411],
    ["a name under example.net", "a.b.example.net", 1411],
  ])("refuses %s (%s) with 400 and code %i", async (_, hostname, code) => {
    expectError(await create({ hostname, ssl: { method: "http", type: "dv" } }), 400, code);
  });

  it("refuses a missing hostname with 1407", async () => {
    expectError(await create({ ssl: { method: "http", type: "dv" } }), 400, 1407);
  });

  it("refuses a hostname longer than 64 characters unless cloudflare_branding is set (1469)", async () => {
    const hostname = `${"a".repeat(60)}.customer.com`;
    expectError(await create({ hostname, ssl: { method: "http", type: "dv" } }), 400, 1469);
    const branded = await create({
      hostname,
      ssl: { method: "http", type: "dv", cloudflare_branding: true },
    });
    expect(branded.status).toBe(201);
  });

  it("refuses a duplicate hostname with 409/1406, whatever its case", async () => {
    expect((await create({ hostname: "dup.customer.com" })).status).toBe(201);
    expectError(await create({ hostname: "DUP.customer.com" }), 409, 1406);
  });

  it("refuses a body that is not JSON with 400/1400", async () => {
    expectError(
      await h.api("POST", h.hostnamesPath(), {
        rawBody: "{hostname:",
        headers: { "content-type": "application/json" },
      }),
      400,
      1400,
    );
    expectError(await create(["app.customer.com"]), 400, 1400);
  });
});

describe("entitlements and custom origins", () => {
  it("refuses custom metadata on a zone without the entitlement (403/1413)", async () => {
    expectError(
      await create({ hostname: "m.customer.com", custom_metadata: { a: "b" } }, OTHER_ZONE),
      403,
      1413,
    );
  });

  it("refuses a custom origin server on a zone without the entitlement (403/1414)", async () => {
    expectError(
      await create({ hostname: "o.customer.com", custom_origin_server: "o.plain-zone.com" }, OTHER_ZONE),
      403,
      1414,
    );
  });

  it("refuses metadata that is not an object of strings (1401)", async () => {
    expectError(await create({ hostname: "m.customer.com", custom_metadata: { count: 3 } }), 400, 1401);
  });

  it.each([
    ["an IP address", "192.0.2.1", 1415],
    ["a reserved TLD", "origin.test", 1417],
    ["a wildcard", `*.${ZONE_NAME}`, 1420],
    ["a name outside the zone", "origin.elsewhere.com", 1421],
  ])("refuses a custom origin server that is %s (%s) with code %i", async (_, origin, code) => {
    expectError(await create({ hostname: "o.customer.com", custom_origin_server: origin }), 400, code);
  });
});

describe("invalid ssl attributes", () => {
  it.each([
    ["a method without a type", { method: "http" }, 1440],
    ["a type without a method", { type: "dv" }, 1440],
    ["an unknown method", { method: "dns", type: "dv" }, 1432],
    ["an unknown type", { method: "http", type: "ev" }, 1433],
    ["an unknown certificate authority", { method: "http", type: "dv", certificate_authority: "acme" }, 1434],
    ["an unknown bundle method", { method: "http", type: "dv", bundle_method: "fast" }, 1449],
    ["a bad http2 setting", { method: "http", type: "dv", settings: { http2: "yes" } }, 1422],
    ["a bad tls_1_3 setting", { method: "http", type: "dv", settings: { tls_1_3: "maybe" } }, 1424],
    ["a bad min_tls_version", { method: "http", type: "dv", settings: { min_tls_version: "1.4" } }, 1425],
    ["an unknown cipher", { method: "http", type: "dv", settings: { ciphers: ["RC4-MD5"] } }, 1442],
    [
      "ciphers with a TLS 1.3 minimum",
      {
        method: "http",
        type: "dv",
        settings: { min_tls_version: "1.3", ciphers: ["ECDHE-RSA-AES128-GCM-SHA256"] },
      },
      1443,
    ],
    ["a wildcard validated over http", { method: "http", type: "dv", wildcard: true }, 1432],
    [
      "a custom certificate",
      { method: "http", type: "dv", custom_certificate: "PEM", custom_key: "PEM" },
      1426,
    ],
  ])("refuses %s at creation (%j) with code %i", async (_, ssl, code) => {
    expectError(await create({ hostname: "ssl.customer.com", ssl }), 400, code);
  });

  it("refuses a certificate authority change without type and method (1434)", async () => {
    const created = await h.createHostname("ca.customer.com");
    const response = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { ssl: { certificate_authority: "google" } },
    });
    expectError(response, 400, 1434);
  });

  it("refuses a PATCH that changes the method without the type (1440)", async () => {
    const created = await h.createHostname("half.customer.com");
    expectError(
      await h.api("PATCH", h.hostnamesPath(`/${created.id}`), { body: { ssl: { method: "txt" } } }),
      400,
      1440,
    );
  });
});

describe("hostname ids and immutability", () => {
  const missing = "0d89c70d-ad9f-4843-b99f-6cc0252067e9";

  it.each(["GET", "DELETE"])("answers %s of an unknown hostname with 404/1436", async (method) => {
    expectError(await h.api(method, h.hostnamesPath(`/${missing}`)), 404, 1436);
  });

  it("answers PATCH of an unknown hostname with 404/1436", async () => {
    expectError(
      await h.api("PATCH", h.hostnamesPath(`/${missing}`), { body: { custom_metadata: {} } }),
      404,
      1436,
    );
  });

  it("answers a malformed hostname id with 400/1435", async () => {
    expectError(await h.api("GET", h.hostnamesPath("/not-a-uuid")), 400, 1435);
  });

  it("refuses to change the hostname of a custom hostname (409/1439)", async () => {
    const created = await h.createHostname("fixed.customer.com");
    expectError(
      await h.api("PATCH", h.hostnamesPath(`/${created.id}`), { body: { hostname: "new.customer.com" } }),
      409,
      1439,
    );
  });

  it("refuses two hostname filters at once (1437) and id with a hostname filter (1438)", async () => {
    expectError(
      await h.api("GET", h.hostnamesPath("?hostname=a.customer.com&hostname.contain=a")),
      400,
      1437,
    );
    expectError(await h.api("GET", h.hostnamesPath(`?id=${missing}&hostname=a.customer.com`)), 400, 1438);
  });
});

describe("authentication and zone permissions", () => {
  it("answers a request without credentials with 400/1403", async () => {
    expectError(await h.api("GET", h.hostnamesPath(), { auth: "none" }), 400, 1403);
  });

  it("answers an unknown API token with 401/1000", async () => {
    expectError(await h.api("GET", h.hostnamesPath(), { auth: { token: "not-a-token" } }), 401, 1000);
    expectError(await h.api("GET", "/user/tokens/verify", { auth: { token: "not-a-token" } }), 401, 1000);
  });

  it("answers a malformed Authorization header with 400/6003", async () => {
    expectError(
      await h.api("GET", h.hostnamesPath(), { auth: "none", headers: { authorization: "Basic abc" } }),
      400,
      6003,
    );
  });

  it("answers an email without a key with 400/6003", async () => {
    expectError(
      await h.api("GET", h.hostnamesPath(), { auth: "none", headers: { "x-auth-email": EMAIL } }),
      400,
      6003,
    );
  });

  it("accepts the global API key and refuses a wrong one with 403/10000", async () => {
    expect((await h.api("GET", h.hostnamesPath(), { auth: { email: EMAIL, apiKey: API_KEY } })).status).toBe(
      200,
    );
    expectError(
      await h.api("GET", h.hostnamesPath(), { auth: { email: EMAIL, apiKey: "wrong" } }),
      403,
      10000,
    );
  });

  it("refuses a token on a zone it is not allowed, and allows it on its own zone", async () => {
    const auth = { token: RESTRICTED_TOKEN };
    expectError(await h.api("GET", h.hostnamesPath(), { auth }), 403, 10000);
    expectError(await h.api("GET", `/zones/${ZONE_ID}`, { auth }), 403, 10000);
    expect((await h.api("GET", `/zones/${OTHER_ZONE}/custom_hostnames`, { auth })).status).toBe(200);
  });

  it("refuses an unknown zone with 403/10000 and a malformed zone id with 400/7003", async () => {
    expectError(await h.api("GET", "/zones/ffffffffffffffffffffffffffffffff/custom_hostnames"), 403, 10000);
    expectError(await h.api("GET", "/zones/not-a-zone/custom_hostnames"), 400, 7003);
  });

  it("verifies tokens only: the global key gets 401/1000 from /user/tokens/verify", async () => {
    expectError(
      await h.api("GET", "/user/tokens/verify", { auth: { email: EMAIL, apiKey: API_KEY } }),
      401,
      1000,
    );
  });
});

describe("fallback origin errors", () => {
  it("answers 404/1551 when no fallback origin is set, for GET and DELETE", async () => {
    expectError(await h.api("GET", h.hostnamesPath("/fallback_origin")), 404, 1551);
    expectError(await h.api("DELETE", h.hostnamesPath("/fallback_origin")), 404, 1551);
  });

  it.each([
    ["no origin", {}],
    ["an IP address", { origin: "192.0.2.1" }],
    ["a non-string", { origin: 42 }],
  ])("refuses a fallback origin with %s (400/1407)", async (_, body) => {
    expectError(await h.api("PUT", h.hostnamesPath("/fallback_origin"), { body }), 400, 1407);
  });
});

describe("unknown routes", () => {
  it("answers a path with no route with 400/7000 and a wrong method with 405/7001", async () => {
    expectError(await h.api("GET", "/zones/x/dns_records/y/z"), 400, 7000);
    expectError(await h.api("POST", "/user/tokens/verify"), 405, 7001);
  });
});
