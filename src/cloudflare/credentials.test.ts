import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CloudflareCredentials } from "./credentials.ts";

const token = "tok_7Hq2vLr9XwB4mN1cZ8pK3sD6fG0jY5aE";
const key = "c2547eb745079dac9320b638f5e225cf483cc5cfdda41";

describe("Cloudflare credentials", () => {
  it("authenticate an API token as a Bearer header", () => {
    expect(new CloudflareCredentials({ kind: "apiToken", token }).headers()).toEqual({
      authorization: `Bearer ${token}`,
    });
  });

  it("authenticate a global key with the email and key headers", () => {
    expect(new CloudflareCredentials({ kind: "globalKey", email: "ops@example.net", key }).headers()).toEqual(
      {
        "x-auth-email": "ops@example.net",
        "x-auth-key": key,
      },
    );
  });

  it("have a stable fingerprint that differs between secrets and never contains them", () => {
    const a = new CloudflareCredentials({ kind: "apiToken", token });
    const again = new CloudflareCredentials({ kind: "apiToken", token });
    const other = new CloudflareCredentials({ kind: "apiToken", token: `${token}x` });
    const keyed = new CloudflareCredentials({ kind: "globalKey", email: "ops@example.net", key: token });
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a.fingerprint).toBe(again.fingerprint);
    expect(new Set([a.fingerprint, other.fingerprint, keyed.fingerprint]).size).toBe(3);
    expect(a.fingerprint).not.toContain(token.slice(4, 12));
  });

  it.each([
    ["an API token", new CloudflareCredentials({ kind: "apiToken", token }), token],
    ["a global key", new CloudflareCredentials({ kind: "globalKey", email: "ops@example.net", key }), key],
  ])("never reveal %s when printed, inspected or serialised", (_label, credentials, secret) => {
    const renderings = [
      String(credentials),
      `${credentials}`,
      JSON.stringify(credentials),
      JSON.stringify({ nested: { credentials } }),
      inspect(credentials),
      inspect({ credentials }, { depth: 10, showHidden: true }),
    ];
    for (const rendering of renderings) expect(rendering).not.toContain(secret);
    expect(JSON.parse(JSON.stringify(credentials))).toEqual({
      kind: credentials.kind,
      fingerprint: credentials.fingerprint,
    });
  });

  it("redact the secret from text that echoes it", () => {
    const credentials = new CloudflareCredentials({ kind: "apiToken", token });
    expect(credentials.redact(`invalid token ${token}, really ${token}`)).toBe(
      "invalid token [REDACTED], really [REDACTED]",
    );
  });

  it("refuse an empty secret", () => {
    expect(() => new CloudflareCredentials({ kind: "apiToken", token: " " })).toThrow(/incomplete/);
    expect(() => new CloudflareCredentials({ kind: "globalKey", email: "", key })).toThrow(/incomplete/);
  });
});
