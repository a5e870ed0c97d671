import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import { KubeApiError } from "../kube/api-client.ts";
import { createLogger, errorFields } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: "debug" }, stream) };
}

const token = "cf-secret-token-0123456789";

describe("the operator's logger", () => {
  it.each([
    ["a bearer header", { authorization: `Bearer ${token}` }],
    ["request headers", { request: { headers: { authorization: `Bearer ${token}` } } }],
    ["a global key header", { headers: { "x-auth-key": token } }],
    ["capitalised request headers", { request: { headers: { Authorization: `Bearer ${token}` } } }],
    ["a capitalised global key header", { headers: { "X-Auth-Key": token } }],
    ["a credentials spec", { credentials: { kind: "apiToken", token } }],
    ["a global key spec", { spec: { apiKey: token, email: "ops@example.org" } }],
    [
      "a Secret's data",
      {
        secret: {
          data: { apiToken: Buffer.from(token).toString("base64") },
          stringData: { apiToken: token },
        },
      },
    ],
  ])("never writes a token placed in %s", (_title, fields) => {
    const { lines, logger } = capture();
    logger.info(fields, "something happened");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).not.toContain(Buffer.from(token).toString("base64"));
    expect(lines[0]).toContain("[REDACTED]");
  });

  it("writes one JSON object per line with the level as a word", () => {
    const { lines, logger } = capture();
    logger.warn({ key: "ns/name" }, "reconcile failed");
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: "warn",
      msg: "reconcile failed",
      name: "cfsaas-operator",
      key: "ns/name",
    });
  });
});

describe("errorFields", () => {
  it("keeps what an operator needs from a Cloudflare failure, including the cf-ray id", () => {
    const error = new CloudflareApiError({
      kind: "duplicate",
      status: 409,
      method: "POST",
      endpoint: "/zones/:zone_id/custom_hostnames",
      codes: [1406],
      messages: ["Duplicate custom hostname found."],
      requestId: "8c1f0d2e3a4b5c6d",
    });
    expect(errorFields(error)).toMatchObject({
      errorKind: "duplicate",
      httpStatus: 409,
      cloudflareCodes: [1406],
      cfRay: "8c1f0d2e3a4b5c6d",
      endpoint: "POST /zones/:zone_id/custom_hostnames",
    });
  });

  it("keeps the status and reason of a Kubernetes API failure", () => {
    expect(errorFields(new KubeApiError(409, "Conflict", "the object has been modified"))).toEqual({
      error: "the object has been modified",
      httpStatus: 409,
      reason: "Conflict",
    });
  });
});
