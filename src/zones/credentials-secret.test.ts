import { describe, expect, it } from "vitest";
import { parseCredentialsSecret } from "./credentials-secret.ts";

const ref = { namespace: "cfsaas-system", name: "cloudflare-api" };
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const secretWith = (values: Record<string, string>) => ({
  data: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, b64(value)])),
});

describe("parseCredentialsSecret", () => {
  it("reads an API token", () => {
    expect(parseCredentialsSecret(secretWith({ apiToken: "tok-123" }), ref)).toEqual({
      kind: "ok",
      spec: { kind: "apiToken", token: "tok-123" },
    });
  });

  it("reads a global API key with its email", () => {
    expect(parseCredentialsSecret(secretWith({ apiKey: "key-1", email: "ops@example.org" }), ref)).toEqual({
      kind: "ok",
      spec: { kind: "globalKey", key: "key-1", email: "ops@example.org" },
    });
  });

  it("prefers the API token when both kinds are present", () => {
    const parsed = parseCredentialsSecret(
      secretWith({ apiToken: "tok", apiKey: "k", email: "e@x.org" }),
      ref,
    );
    expect(parsed).toEqual({ kind: "ok", spec: { kind: "apiToken", token: "tok" } });
  });

  it("trims the trailing newline a copy-paste leaves behind", () => {
    expect(parseCredentialsSecret(secretWith({ apiToken: "  tok-123\r\n" }), ref)).toEqual({
      kind: "ok",
      spec: { kind: "apiToken", token: "tok-123" },
    });
  });

  it("says which Secret is missing and what it must contain", () => {
    const parsed = parseCredentialsSecret(undefined, ref);
    expect(parsed).toMatchObject({ kind: "problem", reason: "SecretNotFound" });
    expect(parsed.kind === "problem" && parsed.message).toMatch(
      /Secret cfsaas-system\/cloudflare-api does not exist.*"apiToken".*"apiKey" and "email"/,
    );
  });

  it.each([
    ["a misspelt key", { token: "s3cr3t-value" }, /has keys "token"; it needs key "apiToken"/],
    ["no keys at all", {}, /has no keys; it needs/],
    ["an API key without its email", { apiKey: "s3cr3t-value" }, /no "email" to go with "apiKey"/],
    ["an email without the API key", { email: "ops@example.org" }, /no "apiKey" to go with "email"/],
    ["an empty token", { apiToken: " \n" }, /has an empty "apiToken"/],
    ["a token with a space inside", { apiToken: "s3cr3t value" }, /"apiToken" with spaces or non-ASCII/],
    ["an empty API key", { apiKey: "", email: "ops@example.org" }, /has an empty "apiKey"/],
  ])("explains a Secret with %s without revealing values", (_, values, message) => {
    const parsed = parseCredentialsSecret(secretWith(values), ref);
    expect(parsed).toMatchObject({ kind: "problem", reason: "InvalidSecret" });
    if (parsed.kind !== "problem") throw new Error("expected a problem");
    expect(parsed.message).toMatch(message);
    expect(parsed.message).not.toContain("s3cr3t");
  });

  it("treats a Secret without data as having no keys", () => {
    expect(parseCredentialsSecret({}, ref)).toMatchObject({ kind: "problem", reason: "InvalidSecret" });
  });
});
