import { describe, expect, it } from "vitest";
import { CustomHostnameSpecSchema } from "../../api/custom-hostname.ts";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import { driftedFields } from "./desired-state.ts";

const spec = (fields: Record<string, unknown>) =>
  CustomHostnameSpecSchema.parse({
    hostname: "app.customer.com",
    fallbackOriginRef: { name: "zone" },
    ...fields,
  });

const cloudflare = (changes: Partial<CloudflareHostname> = {}, ssl: CloudflareHostname["ssl"] = {}) => ({
  id: "id-1",
  hostname: "app.customer.com",
  status: "active",
  ...changes,
  ssl: { status: "active", method: "http", type: "dv", ...ssl },
});

describe("driftedFields", () => {
  it.each([
    ["the DCV method", {}, {}, { method: "txt" }, ["ssl.method"]],
    [
      "the certificate authority",
      { ssl: { certificateAuthority: "google" } },
      {},
      { certificate_authority: "lets_encrypt" },
      ["ssl.certificateAuthority"],
    ],
    [
      "the bundle method",
      { ssl: { bundleMethod: "force" } },
      {},
      { bundle_method: "ubiquitous" },
      ["ssl.bundleMethod"],
    ],
    ["the wildcard flag", {}, {}, { wildcard: true }, ["ssl.wildcard"]],
    [
      "HTTP/2",
      { ssl: { settings: { http2: "on" } } },
      {},
      { settings: { http2: "off" } },
      ["ssl.settings.http2"],
    ],
    ["TLS 1.3", { ssl: { settings: { tls13: "on" } } }, {}, { settings: {} }, ["ssl.settings.tls13"]],
    [
      "early hints",
      { ssl: { settings: { earlyHints: "on" } } },
      {},
      { settings: { early_hints: "off" } },
      ["ssl.settings.earlyHints"],
    ],
    [
      "the cipher list",
      { ssl: { settings: { ciphers: ["AES128-SHA"] } } },
      {},
      { settings: { ciphers: ["AES256-SHA"] } },
      ["ssl.settings.ciphers"],
    ],
    [
      "the custom origin",
      { customOriginServer: "eu.saas.com" },
      { custom_origin_server: "us.saas.com" },
      {},
      ["customOriginServer"],
    ],
    ["the origin SNI", { customOriginSNI: "sni.saas.com" }, {}, {}, ["customOriginSNI"]],
    [
      "a metadata value",
      { customMetadata: { tier: "gold" } },
      { custom_metadata: { tier: "silver" } },
      {},
      ["customMetadata"],
    ],
    [
      "an extra metadata key",
      { customMetadata: { tier: "gold" } },
      { custom_metadata: { tier: "gold", x: "1" } },
      {},
      ["customMetadata"],
    ],
  ])("names %s when Cloudflare differs", (_, fields, changes, ssl, drift) => {
    expect(driftedFields(spec(fields), cloudflare(changes, ssl))).toEqual(drift);
  });

  it.each([
    [
      "the ciphers come back in another order",
      { ssl: { settings: { ciphers: ["A-1", "B-2"] } } },
      {},
      { settings: { ciphers: ["B-2", "A-1"] } },
    ],
    [
      "Cloudflare picked a CA and bundle method the spec leaves open",
      {},
      {},
      { certificate_authority: "google", bundle_method: "ubiquitous" },
    ],
    [
      "Cloudflare reports the zone's TLS settings the spec leaves open",
      {},
      {},
      { settings: { min_tls_version: "1.0", http2: "on" } },
    ],
    [
      "validation records and tokens disappear once active",
      {},
      { ownership_verification: undefined },
      { validation_records: [] },
    ],
    ["an older reply omits wildcard for a plain hostname", {}, {}, { wildcard: undefined }],
  ])("finds no drift when %s", (_, fields, changes, ssl) => {
    expect(driftedFields(spec(fields), cloudflare(changes, ssl))).toEqual([]);
  });

  it("lists every differing field at once", () => {
    const wanted = spec({
      ssl: { method: "txt", settings: { minTlsVersion: "1.2" } },
      customMetadata: { a: "b" },
    });
    expect(driftedFields(wanted, cloudflare({}, { settings: { min_tls_version: "1.0" } }))).toEqual([
      "ssl.method",
      "ssl.settings.minTlsVersion",
      "customMetadata",
    ]);
  });

  it("names method and type when the hostname in Cloudflare has no ssl at all", () => {
    const bare = { id: "id-1", hostname: "app.customer.com", status: "pending" };
    expect(driftedFields(spec({}), bare)).toEqual(["ssl.method", "ssl.type"]);
  });
});
