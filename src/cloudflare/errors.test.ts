import { describe, expect, it } from "vitest";
import { CloudflareApiError, type CloudflareErrorKind, kindOfFailure } from "./errors.ts";

describe("mapping a failed Cloudflare reply to an error kind", () => {
  const byCode: Array<[number, number, CloudflareErrorKind]> = [
    [409, 1406, "duplicate"],
    [404, 1436, "notFound"],
    [404, 1551, "notFound"],
    [400, 1407, "invalidHostname"],
    [400, 1408, "invalidHostname"],
    [400, 1409, "invalidHostname"],
    [400, 1410, "invalidHostname"],
    [400, 1411, "invalidHostname"],
    [400, 1415, "invalidHostname"],
    [400, 1417, "invalidHostname"],
    [400, 1419, "invalidHostname"],
    [400, 1420, "invalidHostname"],
    [400, 1421, "invalidHostname"],
    [403, 1404, "entitlement"],
    [403, 1405, "entitlement"],
    [403, 1413, "entitlement"],
    [403, 1414, "entitlement"],
    [400, 1422, "invalidSsl"],
    [400, 1434, "invalidSsl"],
    [400, 1440, "invalidSsl"],
    [400, 1443, "invalidSsl"],
    [400, 1449, "invalidSsl"],
    [400, 1469, "invalidSsl"],
    [409, 1439, "immutable"],
    [401, 1000, "auth"],
    [401, 1005, "auth"],
    [403, 10000, "auth"],
    [400, 1403, "auth"],
    [400, 971, "rateLimited"],
    [500, 1500, "server"],
    [400, 1400, "other"],
    [400, 1412, "other"],
    [400, 6003, "other"],
    [400, 1435, "other"],
    [400, 1437, "other"],
    [400, 1438, "other"],
  ];
  it.each(byCode)("HTTP %i with code %i is %s", (status, code, kind) => {
    expect(kindOfFailure(status, [code])).toBe(kind);
  });

  const byStatus: Array<[number, CloudflareErrorKind]> = [
    [429, "rateLimited"],
    [500, "server"],
    [502, "server"],
    [503, "server"],
    [401, "auth"],
    [403, "auth"],
    [404, "notFound"],
    [400, "other"],
    [409, "other"],
  ];
  it.each(byStatus)("HTTP %i without a known code is %s", (status, kind) => {
    expect(kindOfFailure(status, [])).toBe(kind);
  });

  it("lets a specific code win over the generic meaning of its HTTP status", () => {
    expect(kindOfFailure(403, [1405])).toBe("entitlement");
    expect(kindOfFailure(404, [1436])).toBe("notFound");
    expect(kindOfFailure(403, [9999, 1413])).toBe("entitlement");
  });

  it("treats any 429 as rate limiting whatever code comes with it", () => {
    expect(kindOfFailure(429, [10000])).toBe("rateLimited");
  });
});

describe("CloudflareApiError", () => {
  it("marks only transient kinds as retryable", () => {
    const retryable = (kind: CloudflareErrorKind) =>
      new CloudflareApiError({ kind, status: 0, method: "GET", endpoint: "/x" }).retryable;
    expect(
      ["rateLimited", "server", "network", "invalidResponse"].every((k) =>
        retryable(k as CloudflareErrorKind),
      ),
    ).toBe(true);
    const terminal: CloudflareErrorKind[] = [
      "duplicate",
      "notFound",
      "invalidHostname",
      "entitlement",
      "invalidSsl",
      "immutable",
      "auth",
      "other",
    ];
    expect(terminal.filter(retryable)).toEqual([]);
  });

  it("says what failed, with Cloudflare's codes, messages and ray id", () => {
    const error = new CloudflareApiError({
      kind: "duplicate",
      status: 409,
      method: "POST",
      endpoint: "/zones/:zone_id/custom_hostnames",
      codes: [1406],
      messages: ["Duplicate custom hostname found."],
      requestId: "8c1f2a3b4c5d6e7f-AMS",
    });
    expect(error.message).toBe(
      "Cloudflare POST /zones/:zone_id/custom_hostnames failed (duplicate, HTTP 409): " +
        "1406 Duplicate custom hostname found. (cf-ray 8c1f2a3b4c5d6e7f-AMS)",
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CloudflareApiError");
  });

  it("serialises its fields to JSON for structured logs", () => {
    const error = new CloudflareApiError({
      kind: "rateLimited",
      status: 429,
      method: "GET",
      endpoint: "/zones/:zone_id",
      codes: [971],
      messages: ["Please wait"],
      retryAfterSeconds: 7,
    });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      kind: "rateLimited",
      status: 429,
      codes: [971],
      retryable: true,
      retryAfterSeconds: 7,
      endpoint: "/zones/:zone_id",
    });
  });
});
