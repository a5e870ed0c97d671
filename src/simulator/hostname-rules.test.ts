import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.ts";
import { assertValidCustomHostname, assertValidCustomOrigin, isValidHostname } from "./hostname-rules.ts";

function codeOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe("custom hostname rules", () => {
  it("accepts ordinary and wildcard hostnames, lower-cased", () => {
    expect(assertValidCustomHostname("App.Customer.COM")).toBe("app.customer.com");
    expect(assertValidCustomHostname("*.customer.co.uk")).toBe("*.customer.co.uk");
    expect(assertValidCustomHostname("a-b.c-d.io")).toBe("a-b.c-d.io");
  });

  it.each([
    [42, 1407],
    ["", 1407],
    ["192.0.2.1", 1407],
    ["[2001:db8::1]", 1407],
    ["a..b.com", 1407],
    ["under_score.com", 1407],
    ["trailing-.customer.com", 1407],
    [`${"a".repeat(64)}.com`, 1407],
    [`${"a.".repeat(127)}com`, 1407],
    ["ünïcode.com", 1408],
    ["shop.test", 1409],
    ["localhost", 1409],
    ["intranet", 1410],
    ["co.uk", 1410],
    ["host.123", 1410],
    ["example.net", 1411],
    ["deep.sub.example.com", 1411],
  ])("refuses %j with %i", (hostname, code) => {
    expect(codeOf(() => assertValidCustomHostname(hostname))).toBe(code);
  });

  it("does not treat example.com look-alikes as reserved", () => {
    expect(codeOf(() => assertValidCustomHostname("myexample.com"))).toBeUndefined();
  });

  it("knows plain hostnames, refusing wildcards and IPs", () => {
    expect(isValidHostname("fallback.saasprovider.com")).toBe(true);
    expect(isValidHostname("*.saasprovider.com")).toBe(false);
    expect(isValidHostname("10.0.0.1")).toBe(false);
  });
});

describe("custom origin server rules", () => {
  it("accepts a record of the zone", () => {
    expect(assertValidCustomOrigin("Origin.SaasProvider.com", "saasprovider.com")).toBe(
      "origin.saasprovider.com",
    );
  });

  it.each([
    ["192.0.2.1", 1415],
    ["ünï.saasprovider.com", 1416],
    ["origin.localhost", 1417],
    ["origin", 1418],
    ["origin.example.org", 1419],
    ["*.saasprovider.com", 1420],
    ["origin.other.com", 1421],
  ])("refuses %j with %i", (origin, code) => {
    expect(codeOf(() => assertValidCustomOrigin(origin, "saasprovider.com"))).toBe(code);
  });
});
