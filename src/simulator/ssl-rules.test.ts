import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.ts";
import { parseSslForCreate, parseSslForPatch, type SslRequest } from "./ssl-rules.ts";

const current: SslRequest = {
  method: "http",
  type: "dv",
  certificate_authority: "lets_encrypt",
  bundle_method: "ubiquitous",
  wildcard: false,
  settings: { min_tls_version: "1.2" },
  cloudflare_branding: false,
};

function codeOf(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe("ssl on create", () => {
  it("defaults to an http dv certificate from the default CA when ssl is omitted", () => {
    const request = parseSslForCreate(undefined);
    expect(request).toEqual({
      method: "http",
      type: "dv",
      bundle_method: "ubiquitous",
      wildcard: false,
      settings: {},
      cloudflare_branding: false,
    });
  });

  it("treats an empty certificate_authority as the default CA", () => {
    expect(
      parseSslForCreate({ method: "txt", type: "dv", certificate_authority: "" }).certificate_authority,
    ).toBeUndefined();
  });

  it("keeps the settings it was given, de-duplicating ciphers", () => {
    const request = parseSslForCreate({
      method: "txt",
      type: "dv",
      settings: { http2: "on", ciphers: ["AES128-SHA", "AES128-SHA"], early_hints: "off" },
    });
    expect(request.settings).toEqual({ http2: "on", ciphers: ["AES128-SHA"], early_hints: "off" });
  });

  it("refuses an ssl value that is not an object", () => {
    expect(codeOf(() => parseSslForCreate("http"))).toBe(1434);
  });
});

describe("ssl on PATCH", () => {
  it("is a refresh when method and type equal the current ones", () => {
    expect(parseSslForPatch({ method: "http", type: "dv" }, current)).toEqual({
      request: current,
      change: "refresh",
    });
  });

  it("orders a new certificate when the method, the CA or the wildcard flag changes", () => {
    expect(parseSslForPatch({ method: "txt", type: "dv" }, current).change).toBe("reorder");
    expect(
      parseSslForPatch({ method: "http", type: "dv", certificate_authority: "google" }, current).change,
    ).toBe("reorder");
    expect(parseSslForPatch({ method: "txt", type: "dv", wildcard: true }, current).change).toBe("reorder");
  });

  it("only updates settings when neither method nor type is given", () => {
    const { request, change } = parseSslForPatch(
      { settings: { http2: "off" }, bundle_method: "force" },
      current,
    );
    expect(change).toBe("settings");
    expect(request).toMatchObject({
      settings: { http2: "off" },
      bundle_method: "force",
      certificate_authority: "lets_encrypt",
    });
  });

  it("accepts the current CA repeated without method and type", () => {
    expect(parseSslForPatch({ certificate_authority: "lets_encrypt" }, current).change).toBe("settings");
  });

  it("refuses a CA change without method and type, and half of method/type", () => {
    expect(codeOf(() => parseSslForPatch({ certificate_authority: "google" }, current))).toBe(1434);
    expect(codeOf(() => parseSslForPatch({ type: "dv" }, current))).toBe(1440);
  });

  it("moves back to the default CA when given an empty certificate_authority with method and type", () => {
    const { request } = parseSslForPatch({ method: "http", type: "dv", certificate_authority: "" }, current);
    expect(request.certificate_authority).toBeUndefined();
  });
});
