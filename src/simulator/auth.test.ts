import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.ts";
import { assertZoneAccess, authenticate, type Credential, claimedIdentity, requireToken } from "./auth.ts";

const token: Credential = { token: "tok", id: "1" };
const key: Credential = { email: "Ops@Saas.com", apiKey: "key", zones: ["z1"], id: "2" };
const credentials = [token, key];

function failure(action: () => unknown): { status: number; code: number } | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code };
    throw error;
  }
}

describe("authentication", () => {
  it("finds a bearer token and a global key (email matched case-insensitively)", () => {
    expect(authenticate({ authorization: "Bearer tok" }, credentials)).toBe(token);
    expect(authenticate({ "x-auth-email": "ops@saas.com", "x-auth-key": "key" }, credentials)).toBe(key);
  });

  it.each([
    [{}, 400, 1403],
    [{ authorization: "Token tok" }, 400, 6003],
    [{ authorization: "Bearer nope" }, 401, 1000],
    [{ "x-auth-key": "key" }, 400, 6003],
    [{ "x-auth-email": "ops@saas.com", "x-auth-key": "bad" }, 403, 10000],
  ])("refuses %j with %i/%i", (headers, status, code) => {
    expect(failure(() => authenticate(headers, credentials))).toEqual({ status, code });
  });

  it("never echoes the presented secret in its error messages", () => {
    try {
      authenticate({ authorization: "Bearer super-secret-value" }, credentials);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("super-secret-value");
    }
  });

  it("lets only tokens through the token-verify endpoint", () => {
    expect(requireToken(token)).toBe(token);
    expect(failure(() => requireToken(key))).toEqual({ status: 401, code: 1000 });
  });

  it("limits credentials to their zones; no zone list means every zone", () => {
    expect(failure(() => assertZoneAccess(token, "anything", true))).toBeUndefined();
    expect(failure(() => assertZoneAccess(key, "z1", true))).toBeUndefined();
    expect(failure(() => assertZoneAccess(key, "z2", true))).toEqual({ status: 403, code: 10000 });
    expect(failure(() => assertZoneAccess(token, "gone", false))).toEqual({ status: 403, code: 10000 });
  });

  it("buckets requests by the identity they claim", () => {
    expect(claimedIdentity({ authorization: "Bearer tok" })).toBe("bearer:tok");
    expect(claimedIdentity({ "x-auth-email": "OPS@saas.com" })).toBe("key:ops@saas.com");
    expect(claimedIdentity({})).toBeUndefined();
  });
});
