import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createCustomHostnameBody,
  customHostnameEnvelope,
  customHostnamePageEnvelope,
  deletedCustomHostname,
  editCustomHostnameBody,
  fallbackOriginEnvelope,
  tokenVerificationEnvelope,
  zoneEnvelope,
} from "./wire.ts";

type Schema = Record<string, unknown>;
const openapi = JSON.parse(
  readFileSync(
    new URL("../../test/fixtures/cloudflare/custom-hostnames.openapi.json", import.meta.url),
    "utf8",
  ),
) as { components: { schemas: Record<string, Schema> }; paths: Record<string, Record<string, Schema>> };

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const target = openapi.components.schemas[ref.replace("#/components/schemas/", "")];
  if (target === undefined) throw new Error(`unresolved ${ref}`);
  return resolve(target);
}

/** Declared properties, through `allOf` and the first `oneOf` branch, at any depth. */
function propertiesOf(input: Schema): Record<string, Schema> {
  const schema = resolve(input);
  const parts = [...((schema.allOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? []).slice(0, 1)];
  return Object.assign({}, ...parts.map(propertiesOf), schema.properties);
}

/** A sample value built from the official document's own `example`s, filling every declared property. */
function sample(input: Schema): unknown {
  const schema = resolve(input);
  const properties = propertiesOf(schema);
  if (Object.keys(properties).length > 0) {
    return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, sample(property)]));
  }
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.type === "array") return [sample((schema.items as Schema) ?? {})];
  if (schema.type === "boolean") return true;
  if (schema.type === "number" || schema.type === "integer") return 1;
  if (schema.type === "object") return {};
  return "sample";
}

function responseSample(path: string, method: string): Record<string, unknown> {
  const operation = openapi.paths[path]?.[method] as { responses: Record<string, Schema> };
  const content = operation.responses["200"]?.content as Record<string, { schema: Schema }>;
  return sample(content["application/json"]?.schema ?? {}) as Record<string, unknown>;
}

const single = "/zones/{zone_id}/custom_hostnames/{custom_hostname_id}";

describe("wire schemas against Cloudflare's official OpenAPI extract", () => {
  it("read a custom hostname built from the document's examples, keeping every field it declares", () => {
    const body = responseSample(single, "get");
    const parsed = customHostnameEnvelope.parse(body);
    const declared = body.result as Record<string, unknown>;
    expect(Object.keys(parsed.result).sort()).toEqual(Object.keys(declared).sort());
    // custom_certificate / custom_key are never returned, so the response schema drops them
    // (docs/cloudflare-api.md#custom-hostname-fields).
    const neverReturned = new Set(["custom_certificate", "custom_key"]);
    const declaredSsl = Object.keys(declared.ssl as object).filter((key) => !neverReturned.has(key));
    expect(Object.keys(parsed.result.ssl ?? {}).sort()).toEqual(expect.arrayContaining(declaredSsl.sort()));
    expect(parsed.result.ssl?.validation_records?.[0]?.txt_name).toBeDefined();
    expect(parsed.result.ownership_verification?.name).toBeDefined();
  });

  it("read a list page, a token verification, a zone and a fallback origin built the same way", () => {
    const page = customHostnamePageEnvelope.parse(responseSample("/zones/{zone_id}/custom_hostnames", "get"));
    expect(page.result).toHaveLength(1);
    expect(page.result_info?.total_count).toBeDefined();
    expect(tokenVerificationEnvelope.parse(responseSample("/user/tokens/verify", "get")).result.status).toBe(
      "active",
    );
    expect(zoneEnvelope.parse(responseSample("/zones/{zone_id}", "get")).result.name).toMatch(/\./);
    fallbackOriginEnvelope.parse(responseSample("/zones/{zone_id}/custom_hostnames/fallback_origin", "get"));
  });

  it("read the bare {id} the document gives for DELETE custom hostname", () => {
    const body = responseSample(single, "delete");
    expect(Object.keys(body)).toEqual(["id"]);
    expect(deletedCustomHostname.parse(body)).toEqual(body);
  });
});

describe("tolerant reading of what Cloudflare may send", () => {
  const minimal = { id: "0d89c70d-ad9f-4843-b99f-6cc0252067e9", hostname: "app.customer.com" };
  const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });

  it("keeps status values it has never heard of instead of failing", () => {
    const parsed = customHostnameEnvelope.parse(
      envelope({ ...minimal, status: "quantum_pending", ssl: { status: "holding_forever", method: "dns" } }),
    );
    expect(parsed.result.status).toBe("quantum_pending");
    expect(parsed.result.ssl?.status).toBe("holding_forever");
  });

  it("accepts messages as plain strings or as code/message objects", () => {
    const body = { ...envelope([]), messages: ["note", { code: 1001, message: "other note" }] };
    expect(customHostnamePageEnvelope.parse(body).messages).toHaveLength(2);
  });

  it("treats null fields as absent and ids of any length", () => {
    const parsed = customHostnameEnvelope.parse(
      envelope({
        ...minimal,
        id: "x".repeat(36),
        custom_origin_server: null,
        ssl: null,
        verification_errors: null,
      }),
    );
    expect(parsed.result.custom_origin_server).toBeUndefined();
    expect(parsed.result.ssl).toBeUndefined();
  });

  it("turns odd metadata and verification error values into strings", () => {
    const parsed = customHostnameEnvelope.parse(
      envelope({
        ...minimal,
        custom_metadata: { tier: "gold", seats: 5 },
        verification_errors: ["x", { y: 1 }],
      }),
    );
    expect(parsed.result.custom_metadata).toEqual({ tier: "gold", seats: "5" });
    expect(parsed.result.verification_errors).toEqual(["x", '{"y":1}']);
  });

  it("accepts DELETE custom hostname wrapped in an envelope too", () => {
    expect(deletedCustomHostname.parse(envelope({ id: minimal.id }))).toEqual({ id: minimal.id });
  });

  it("refuses a custom hostname without an id", () => {
    expect(customHostnameEnvelope.safeParse(envelope({ hostname: "a.b.com" })).success).toBe(false);
  });
});

describe("PATCH bodies", () => {
  it("always carry the ssl type along with the method", () => {
    expect(editCustomHostnameBody.parse({ ssl: { method: "txt", certificate_authority: "google" } })).toEqual(
      {
        ssl: { method: "txt", type: "dv", certificate_authority: "google" },
      },
    );
  });

  it("refuse an ssl change without a method, and an unwrapped ssl object", () => {
    expect(editCustomHostnameBody.safeParse({ ssl: { certificate_authority: "google" } }).success).toBe(
      false,
    );
    expect(editCustomHostnameBody.safeParse({ method: "txt", type: "dv" }).success).toBe(false);
  });

  it("refuse fields Cloudflare does not let a PATCH change", () => {
    expect(editCustomHostnameBody.safeParse({ hostname: "renamed.customer.com" }).success).toBe(false);
  });
});

describe("create bodies", () => {
  it("carry the ssl type along with the method, like edits", () => {
    expect(createCustomHostnameBody.parse({ hostname: "app.customer.com", ssl: { method: "http" } })).toEqual(
      {
        hostname: "app.customer.com",
        ssl: { method: "http", type: "dv" },
      },
    );
  });

  it("may leave ssl out entirely, as today's API allows", () => {
    expect(createCustomHostnameBody.parse({ hostname: "app.customer.com" })).toEqual({
      hostname: "app.customer.com",
    });
  });
});
