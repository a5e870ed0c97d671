import { describe, expect, it } from "vitest";
import {
  CIPHERS_WITH_TLS13_MESSAGE,
  CustomHostnameSchema,
  CustomHostnameSpecSchema,
  CustomHostnameStatusSchema,
  WILDCARD_FLAG_MESSAGE,
  WILDCARD_METHOD_MESSAGE,
} from "./custom-hostname.ts";

const spec = { hostname: "app.customer.com", fallbackOriginRef: { name: "saas-zone" } };

function issues(input: unknown) {
  return (CustomHostnameSpecSchema.safeParse(input).error?.issues ?? []).map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
}

describe("CustomHostname spec defaults", () => {
  it("fills in http validation, a dv certificate, no wildcard and deletion when ssl is omitted", () => {
    expect(CustomHostnameSpecSchema.parse(spec)).toEqual({
      ...spec,
      ssl: { method: "http", type: "dv", wildcard: false },
      deletionPolicy: "Delete",
    });
  });

  it("fills in the ssl fields a partial ssl block leaves out", () => {
    const parsed = CustomHostnameSpecSchema.parse({ ...spec, ssl: { certificateAuthority: "google" } });
    expect(parsed.ssl).toEqual({
      method: "http",
      type: "dv",
      wildcard: false,
      certificateAuthority: "google",
    });
  });

  it("keeps what the user chose over the defaults", () => {
    const parsed = CustomHostnameSpecSchema.parse({
      ...spec,
      ssl: { method: "email" },
      deletionPolicy: "Retain",
    });
    expect(parsed.ssl.method).toBe("email");
    expect(parsed.deletionPolicy).toBe("Retain");
  });

  it("leaves TLS settings unset so the zone's own settings apply", () => {
    expect(CustomHostnameSpecSchema.parse(spec).ssl.settings).toBeUndefined();
  });

  it("drops fields the CRD does not know, as the API server prunes them", () => {
    const parsed = CustomHostnameSpecSchema.parse({ ...spec, zoneId: "023e105f4ecef8ad9ca31a8372d0c353" });
    expect(parsed).not.toHaveProperty("zoneId");
  });
});

describe("CustomHostname cross-field rules", () => {
  it("accepts a wildcard hostname with the wildcard flag and txt validation", () => {
    expect(issues({ ...spec, hostname: "*.customer.com", ssl: { wildcard: true, method: "txt" } })).toEqual(
      [],
    );
  });

  it("requires the wildcard flag on a wildcard hostname", () => {
    expect(issues({ ...spec, hostname: "*.customer.com", ssl: { method: "txt" } })).toEqual([
      { path: "ssl.wildcard", message: WILDCARD_FLAG_MESSAGE },
    ]);
  });

  it("refuses the wildcard flag on a plain hostname", () => {
    expect(issues({ ...spec, ssl: { wildcard: true, method: "txt" } })).toEqual([
      { path: "ssl.wildcard", message: WILDCARD_FLAG_MESSAGE },
    ]);
  });

  it.each(["http", "email"])("refuses %s validation for a wildcard hostname", (method) => {
    expect(issues({ ...spec, hostname: "*.customer.com", ssl: { wildcard: true, method } })).toEqual([
      { path: "ssl.method", message: WILDCARD_METHOD_MESSAGE },
    ]);
  });

  it("reports both wildcard problems at once when ssl is left out", () => {
    expect(issues({ ...spec, hostname: "*.customer.com" }).map((issue) => issue.path)).toEqual([
      "ssl.wildcard",
      "ssl.method",
    ]);
  });

  it("refuses ciphers with a TLS 1.3 minimum", () => {
    const settings = { minTlsVersion: "1.3", ciphers: ["ECDHE-RSA-AES128-GCM-SHA256"] };
    expect(issues({ ...spec, ssl: { settings } })).toEqual([
      { path: "ssl.settings.ciphers", message: CIPHERS_WITH_TLS13_MESSAGE },
    ]);
  });

  it.each(["1.0", "1.1", "1.2"])("accepts ciphers with a TLS %s minimum", (minTlsVersion) => {
    expect(issues({ ...spec, ssl: { settings: { minTlsVersion, ciphers: ["AES128-SHA"] } } })).toEqual([]);
  });

  it("accepts ciphers when no minimum is set", () => {
    expect(issues({ ...spec, ssl: { settings: { ciphers: ["AES128-SHA"] } } })).toEqual([]);
  });

  it("refuses more custom metadata entries than the CRD allows", () => {
    const customMetadata = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`key${i}`, "v"]));
    expect(issues({ ...spec, customMetadata }).map((issue) => issue.path)).toEqual(["customMetadata"]);
  });

  it("refuses a custom metadata value longer than 4 KB", () => {
    expect(
      issues({ ...spec, customMetadata: { blob: "x".repeat(4097) } }).map((issue) => issue.path),
    ).toEqual(["customMetadata.blob"]);
  });
});

describe("CustomHostname status", () => {
  const status = {
    hostnameId: "0d89c70d-ad9f-4843-b99f-6cc0252067e9",
    hostnameStatus: "pending",
    sslStatus: "pending_validation",
    requiredCNAME: { name: "app.customer.com", target: "john.customers.saasprovider.com" },
    dnsRecords: [
      {
        type: "CNAME",
        name: "app.customer.com",
        value: "john.customers.saasprovider.com",
        purpose: "Routing",
      },
      {
        type: "TXT",
        name: "_cf-custom-hostname.app.customer.com",
        value: "5cc07c04-ea62-4a5a-95f0-419334a875a4",
        purpose: "OwnershipVerification",
      },
    ],
    httpValidations: [
      {
        url: "http://app.customer.com/.well-known/cf-custom-hostname-challenge/0d89c70d",
        body: "5cc07c04-ea62-4a5a-95f0-419334a875a4",
        purpose: "OwnershipVerification",
      },
    ],
    verificationErrors: ["custom hostname does not CNAME to this zone."],
    validationErrors: [],
    certificate: { authority: "lets_encrypt", expiresAt: "2027-02-26T00:00:00Z" },
    adopted: false,
    conditions: [
      {
        type: "Ready",
        status: "False",
        reason: "OwnershipPending",
        message: "waiting for the customer's CNAME",
        lastTransitionTime: "2026-11-28T10:00:00Z",
        observedGeneration: 1,
      },
    ],
    observedGeneration: 1,
    lastSyncTime: "2026-11-28T10:00:00Z",
    nextCheckTime: "2026-11-28T10:01:00Z",
  };

  it("parses the status the operator writes", () => {
    expect(CustomHostnameStatusSchema.parse(status)).toEqual(status);
  });

  it("takes Cloudflare statuses it has never seen verbatim", () => {
    const parsed = CustomHostnameStatusSchema.parse({ hostnameStatus: "brand_new_state", sslStatus: "x_y" });
    expect(parsed).toEqual({ hostnameStatus: "brand_new_state", sslStatus: "x_y" });
  });

  it("refuses a DNS record whose purpose the operator does not define", () => {
    const dnsRecords = [{ type: "TXT", name: "a.b", value: "v", purpose: "Other" }];
    expect(CustomHostnameStatusSchema.safeParse({ dnsRecords }).success).toBe(false);
  });

  it("refuses routing as the purpose of an HTTP validation", () => {
    const httpValidations = [{ url: "http://a.b/x", body: "y", purpose: "Routing" }];
    expect(CustomHostnameStatusSchema.safeParse({ httpValidations }).success).toBe(false);
  });

  it("refuses more verification errors than the CRD stores", () => {
    const verificationErrors = Array.from({ length: 33 }, (_, i) => `error ${i}`);
    expect(CustomHostnameStatusSchema.safeParse({ verificationErrors }).success).toBe(false);
  });

  it("refuses a time that is not RFC 3339", () => {
    expect(CustomHostnameStatusSchema.safeParse({ lastSyncTime: "28/11/2026" }).success).toBe(false);
  });

  it("parses a whole object as read from the API server, keeping metadata it does not model", () => {
    const object = {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: {
        name: "app-customer-com",
        namespace: "tenant-john",
        uid: "7b0d3c1e-1111-2222-3333-444455556666",
        generation: 2,
        resourceVersion: "12345",
        creationTimestamp: "2026-11-28T10:00:00Z",
        finalizers: ["cfsaas.dev/cloudflare"],
        managedFields: [{ manager: "kubectl" }],
      },
      spec,
      status,
    };
    const parsed = CustomHostnameSchema.parse(object);
    expect(parsed.metadata.managedFields).toEqual([{ manager: "kubectl" }]);
    expect(parsed.spec.ssl.method).toBe("http");
    expect(parsed.status?.hostnameId).toBe(status.hostnameId);
  });

  it("requires a namespace on a CustomHostname", () => {
    const object = {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name: "a" },
      spec,
    };
    expect(CustomHostnameSchema.safeParse(object).error?.issues.map((issue) => issue.path.join("."))).toEqual(
      ["metadata.namespace"],
    );
  });

  it("refuses another kind", () => {
    const object = {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "FallbackOrigin",
      metadata: { name: "a", namespace: "b" },
      spec,
    };
    expect(CustomHostnameSchema.safeParse(object).success).toBe(false);
  });
});
