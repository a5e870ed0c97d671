import { describe, expect, it } from "vitest";
import {
  type CustomHostname,
  CustomHostnameSchema,
  CustomHostnameStatusSchema,
} from "../../api/custom-hostname.ts";
import { type FallbackOrigin, FallbackOriginSchema } from "../../api/fallback-origin.ts";
import type { CloudflareFailure } from "../../cloudflare/errors.ts";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import { findCondition, kubeTime } from "../../kube/status-conditions.ts";
import type { CredentialsState } from "../../zones/cloudflare-access.ts";
import { ACTIVE_RECHECK_MS, WAITING_ON_USER_RECHECK_MS } from "../schedule.ts";
import { USER_FIXABLE_REQUEUE_MS } from "../sync-failure.ts";
import { decideCustomHostname, statusWhileWaiting } from "./decide.ts";
import {
  CUSTOM_HOSTNAME_FINALIZER,
  type CustomHostnameDecision,
  type CustomHostnameInput,
  type HostnameObservation,
} from "./types.ts";

const now = new Date("2026-11-28T12:00:00Z");
const objectCreated = "2026-11-28T11:00:00Z";
const HOST = "app.customer.com";
const ID = "0d89c70d-ad9f-4843-b99f-6cc0252067e9";

function customHostname(
  changes: {
    spec?: Record<string, unknown>;
    status?: CustomHostname["status"];
    finalizers?: string[];
    generation?: number;
    deleting?: boolean;
  } = {},
): CustomHostname {
  return CustomHostnameSchema.parse({
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "CustomHostname",
    metadata: {
      name: "app-customer-com",
      namespace: "tenant-john",
      generation: changes.generation ?? 1,
      creationTimestamp: objectCreated,
      finalizers: changes.finalizers ?? [CUSTOM_HOSTNAME_FINALIZER],
      ...(changes.deleting && { deletionTimestamp: "2026-11-28T11:59:00Z" }),
    },
    spec: { hostname: HOST, fallbackOriginRef: { name: "saas-zone" }, ...changes.spec },
    ...(changes.status && { status: changes.status }),
  });
}

function fallbackOrigin(spec: Record<string, unknown> = {}): FallbackOrigin {
  return FallbackOriginSchema.parse({
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "FallbackOrigin",
    metadata: { name: "saas-zone", creationTimestamp: "2026-11-01T00:00:00Z" },
    spec: {
      zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
      origin: "proxy-fallback.saasprovider.com",
      cnameTarget: "customers.saasprovider.com",
      credentialsRef: { name: "cloudflare-api" },
      ...spec,
    },
  });
}

function pendingHostname(changes: Partial<CloudflareHostname> = {}): CloudflareHostname {
  return {
    id: ID,
    hostname: HOST,
    status: "pending",
    created_at: "2026-11-28T11:00:05Z",
    ssl: {
      status: "pending_validation",
      method: "http",
      type: "dv",
      wildcard: false,
      bundle_method: "ubiquitous",
      certificate_authority: "google",
      settings: { min_tls_version: "1.0" },
      validation_records: [
        {
          txt_name: `_acme-challenge.${HOST}`,
          txt_value: "acme-token",
          http_url: `http://${HOST}/.well-known/acme-challenge/abc`,
          http_body: "acme-body",
        },
      ],
      validation_errors: [{ message: "caa_error: CAA record forbids issuance" }],
    },
    verification_errors: ["custom hostname does not CNAME to this zone."],
    ownership_verification: { type: "txt", name: `_cf-custom-hostname.${HOST}`, value: "owner-token" },
    ownership_verification_http: {
      http_url: `http://${HOST}/.well-known/cf-custom-hostname-challenge/${ID}`,
      http_body: "owner-body",
    },
    ...changes,
  };
}

/** Cloudflare once both checks passed: tokens and records are gone, a certificate is issued. */
function activeHostname(changes: Partial<CloudflareHostname> = {}): CloudflareHostname {
  return {
    id: ID,
    hostname: HOST,
    status: "active",
    created_at: "2026-11-28T11:00:05Z",
    ssl: {
      status: "active",
      method: "http",
      type: "dv",
      wildcard: false,
      bundle_method: "ubiquitous",
      certificate_authority: "google",
      settings: { min_tls_version: "1.0" },
      issuer: "GoogleTrustServices",
      serial_number: "6743787633689793699141714808227354901",
      expires_on: "2027-02-26T23:59:59Z",
    },
    ...changes,
  };
}

const found = (
  hostname: CloudflareHostname,
  source: "get" | "list" | "create" | "update" | "snapshot" = "get",
): HostnameObservation => ({ kind: "found", hostname, source });

function input(changes: Partial<CustomHostnameInput> = {}): CustomHostnameInput {
  return {
    object: customHostname(),
    fallbackOrigin: fallbackOrigin(),
    credentials: { kind: "usable" },
    conflict: undefined,
    observation: { kind: "unobserved" },
    now,
    scheduleScale: 1,
    ...changes,
  };
}

function decide(changes: Partial<CustomHostnameInput> = {}): CustomHostnameDecision {
  const decision = decideCustomHostname(input(changes));
  // Whatever the path, the status must be one the CRD accepts: limits, enums, timestamps.
  expect(CustomHostnameStatusSchema.safeParse(decision.status).error).toBeUndefined();
  return decision;
}

const condition = (decision: CustomHostnameDecision, type: string) =>
  findCondition(decision.status.conditions, type);

const owned = { hostnameId: ID, observedGeneration: 1 };

/** Cloudflare refusing a spec only the user can fix: custom metadata on a plan without it (1413). */
const metadataRefusal: CloudflareFailure = {
  kind: "entitlement",
  message: "Custom metadata is not enabled for this zone.",
  codes: [1413],
  retryable: false,
};

describe("decideCustomHostname: the way to Cloudflare", () => {
  it("adds its finalizer before touching Cloudflare", () => {
    const decision = decide({ object: customHostname({ finalizers: [] }) });
    expect(decision.action).toEqual({ kind: "addFinalizer" });
  });

  it("reads Cloudflare before deciding anything else", () => {
    expect(decide().action).toEqual({ kind: "observe" });
  });

  it("creates the hostname with ssl method and type, and only the optional fields the spec sets", () => {
    const decision = decide({ observation: { kind: "absent" } });
    expect(decision.action).toEqual({
      kind: "create",
      body: { hostname: HOST, ssl: { method: "http", type: "dv", wildcard: false } },
      event: { type: "Normal", reason: "Created", action: "Create", note: expect.stringContaining(HOST) },
    });
  });

  it("creates a hostname with every field the spec sets", () => {
    const object = customHostname({
      spec: {
        ssl: {
          method: "txt",
          certificateAuthority: "lets_encrypt",
          bundleMethod: "force",
          settings: {
            minTlsVersion: "1.2",
            http2: "on",
            tls13: "on",
            earlyHints: "off",
            ciphers: ["AES128-SHA"],
          },
        },
        customOriginServer: "origin-eu.saasprovider.com",
        customOriginSNI: ":request_host_header:",
        customMetadata: { tier: "gold" },
      },
    });
    const decision = decide({ object, observation: { kind: "absent" } });
    expect(decision.action).toMatchObject({
      kind: "create",
      body: {
        hostname: HOST,
        ssl: {
          method: "txt",
          type: "dv",
          wildcard: false,
          certificate_authority: "lets_encrypt",
          bundle_method: "force",
          settings: {
            min_tls_version: "1.2",
            http2: "on",
            tls_1_3: "on",
            early_hints: "off",
            ciphers: ["AES128-SHA"],
          },
        },
        custom_origin_server: "origin-eu.saasprovider.com",
        custom_origin_sni: ":request_host_header:",
        custom_metadata: { tier: "gold" },
      },
    });
  });

  it("warns that the hostname was deleted in Cloudflare and creates it again", () => {
    const object = customHostname({ status: owned });
    const decision = decide({ object, observation: { kind: "absent" } });
    expect(decision.action).toMatchObject({
      kind: "create",
      event: { type: "Warning", reason: "RecreatedInCloudflare", note: expect.stringContaining(ID) },
    });
  });

  it("adopts an existing hostname instead of creating a duplicate", () => {
    const existing = pendingHostname({ created_at: "2026-10-01T00:00:00Z" });
    const decision = decide({ observation: found(existing, "list") });
    expect(decision.action).toBeUndefined();
    expect(decision.status).toMatchObject({ hostnameId: ID, adopted: true });
    expect(decision.events).toEqual([
      expect.objectContaining({
        type: "Normal",
        reason: "Adopted",
        note: expect.stringContaining("existing"),
      }),
    ]);
  });

  it("a crash after create converges to adoption with adopted=false", () => {
    const ours = pendingHostname({ created_at: "2026-11-28T11:00:00.400Z" });
    const decision = decide({ observation: found(ours, "list") });
    expect(decision.status).toMatchObject({ hostnameId: ID, adopted: false });
    expect(decision.events).toEqual([expect.objectContaining({ reason: "Adopted" })]);
  });

  it("counts a hostname without created_at as adopted: it was found, not made", () => {
    const decision = decide({ observation: found(pendingHostname({ created_at: undefined }), "list") });
    expect(decision.status.adopted).toBe(true);
  });

  it("records the id from its own create without reporting an adoption", () => {
    const decision = decide({ observation: found(pendingHostname(), "create") });
    expect(decision.status).toMatchObject({ hostnameId: ID, adopted: false });
    expect(decision.events).toEqual([]);
  });

  it("keeps adopted as it was once the id is known", () => {
    const object = customHostname({ status: { ...owned, adopted: true } });
    const decision = decide({ object, observation: found(pendingHostname()) });
    expect(decision.status.adopted).toBe(true);
    expect(decision.events).toEqual([]);
  });
});

describe("decideCustomHostname: what blocks it", () => {
  it("does not touch Cloudflare when an older CustomHostname claims the hostname", () => {
    const decision = decide({ conflict: { kind: "CustomHostname", namespace: "tenant-jane", name: "app" } });
    expect(decision.action).toBeUndefined();
    expect(decision.retry).toBeUndefined();
    expect(condition(decision, "Ready")).toMatchObject({
      status: "False",
      reason: "Conflict",
      message: expect.stringContaining("CustomHostname tenant-jane/app already claims app.customer.com"),
    });
    expect(decision.events).toEqual([expect.objectContaining({ type: "Warning", reason: "Conflict" })]);
  });

  it("reports a missing FallbackOrigin without calling Cloudflare", () => {
    const decision = decide({ fallbackOrigin: undefined });
    expect(decision.action).toBeUndefined();
    expect(condition(decision, "Ready")).toMatchObject({
      reason: "FallbackOriginNotFound",
      message: expect.stringContaining("FallbackOrigin saas-zone does not exist"),
    });
    expect(decision.requeueAfterMs).toBe(WAITING_ON_USER_RECHECK_MS);
  });

  it.each<[CredentialsState & { kind: "problem" }, boolean]>([
    [{ kind: "problem", reason: "SecretNotFound", message: "Secret cfsaas-system/cf does not exist" }, false],
    [{ kind: "problem", reason: "InvalidSecret", message: 'Secret has keys "token"' }, false],
    [{ kind: "problem", reason: "InvalidCredentials", message: "the API token is expired" }, false],
    [{ kind: "problem", reason: "Unauthorized", message: "cannot access zone" }, false],
    [{ kind: "problem", reason: "CredentialsCheckFailed", message: "Cloudflare unreachable" }, true],
  ])(
    "reports credentials that cannot be used ($reason) and retries only a failed check",
    (credentials, retry) => {
      const decision = decide({ credentials });
      expect(decision.action).toBeUndefined();
      expect(condition(decision, "Ready")).toMatchObject({
        status: "False",
        reason: credentials.reason,
        message: expect.stringContaining(credentials.message),
      });
      expect(condition(decision, "Synced")).toMatchObject({ status: "False", reason: credentials.reason });
      expect(decision.retry ?? false).toBe(retry);
    },
  );
});

describe("decideCustomHostname: drift and spec changes", () => {
  const active = customHostname({ status: owned });

  it("drift in min TLS version is set back and reported", () => {
    const object = customHostname({ spec: { ssl: { settings: { minTlsVersion: "1.2" } } }, status: owned });
    const decision = decide({ object, observation: found(activeHostname(), "snapshot") });
    expect(decision.action).toEqual({
      kind: "update",
      id: ID,
      body: { ssl: { method: "http", type: "dv", wildcard: false, settings: { min_tls_version: "1.2" } } },
      drift: ["ssl.settings.minTlsVersion"],
      event: {
        type: "Warning",
        reason: "DriftCorrected",
        action: "Update",
        note: expect.stringContaining("ssl.settings.minTlsVersion"),
      },
    });
  });

  it("a spec change is applied with the whole ssl object and reported as an update", () => {
    const object = customHostname({
      spec: { ssl: { certificateAuthority: "lets_encrypt" }, customMetadata: { tier: "gold" } },
      status: owned,
      generation: 2,
    });
    const decision = decide({ object, observation: found(activeHostname()) });
    expect(decision.action).toMatchObject({
      kind: "update",
      body: {
        ssl: { method: "http", type: "dv", wildcard: false, certificate_authority: "lets_encrypt" },
        custom_metadata: { tier: "gold" },
      },
      drift: ["ssl.certificateAuthority", "customMetadata"],
      event: { type: "Normal", reason: "Updated" },
    });
  });

  it("validation records vanishing once active is not drift", () => {
    const decision = decide({ object: active, observation: found(activeHostname()) });
    expect(decision.action).toBeUndefined();
  });

  it("values Cloudflare picked for fields the spec leaves out are not drift", () => {
    const decision = decide({
      object: active,
      observation: found(
        activeHostname({
          custom_origin_server: "someone.saasprovider.com",
          custom_metadata: { set: "elsewhere" },
        }),
      ),
    });
    expect(decision.action).toBeUndefined();
  });

  it("does not update again on the reply of its own update", () => {
    const object = customHostname({ spec: { ssl: { settings: { minTlsVersion: "1.2" } } }, status: owned });
    const decision = decide({ object, observation: found(activeHostname(), "update") });
    expect(decision.action).toBeUndefined();
  });

  it("updates a hostname it adopts when it differs from the spec, then reports the adoption", () => {
    const object = customHostname({ spec: { customMetadata: { tier: "gold" } } });
    const existing = pendingHostname({ created_at: "2026-10-01T00:00:00Z" });
    expect(decide({ object, observation: found(existing, "list") }).action).toMatchObject({
      kind: "update",
      drift: ["customMetadata"],
    });
    const after = decide({
      object,
      observation: found({ ...existing, custom_metadata: { tier: "gold" } }, "update"),
    });
    expect(after.status).toMatchObject({ hostnameId: ID, adopted: true });
    expect(after.events).toEqual([expect.objectContaining({ reason: "Adopted" })]);
  });
});

describe("decideCustomHostname: the refresh annotation", () => {
  const annotated = (value: string, status: CustomHostname["status"] = owned) => {
    const object = customHostname({ status });
    object.metadata.annotations = { "cfsaas.dev/refresh": value };
    return object;
  };
  const moved = () => pendingHostname({ status: "moved" });

  it("re-sends the spec, ssl type and method included, to make Cloudflare re-validate a moved hostname", () => {
    const decision = decide({
      object: annotated("2026-11-28T12:00"),
      observation: found(moved(), "snapshot"),
    });
    expect(decision.action).toMatchObject({
      kind: "update",
      id: ID,
      drift: [],
      body: { ssl: { method: "http", type: "dv", wildcard: false } },
      event: { type: "Normal", reason: "Refreshed" },
    });
  });

  it("records the value it answered, so the same value is not acted on twice", () => {
    const object = annotated("2026-11-28T12:00");
    const after = decide({ object, observation: found(pendingHostname(), "update") });
    expect(after.action).toBeUndefined();
    expect(after.status.observedRefresh).toBe("2026-11-28T12:00");
    const later = decide({
      object: annotated("2026-11-28T12:00", after.status),
      observation: found(moved()),
    });
    expect(later.action).toBeUndefined();
    expect(later.status.observedRefresh).toBe("2026-11-28T12:00");
  });

  it("acts again on a new value", () => {
    const object = annotated("second", { ...owned, observedRefresh: "first" });
    expect(decide({ object, observation: found(moved()) }).action).toMatchObject({ kind: "update" });
  });

  it("counts the create of a new hostname as the refresh", () => {
    const object = annotated("at-creation", {});
    const decision = decide({ object, observation: found(pendingHostname(), "create") });
    expect(decision.action).toBeUndefined();
    expect(decision.status.observedRefresh).toBe("at-creation");
  });

  it("compares and records only the first 253 characters of a long value", () => {
    const long = "x".repeat(300);
    const after = decide({ object: annotated(long), observation: found(pendingHostname(), "update") });
    expect(after.status.observedRefresh).toBe("x".repeat(253));
    expect(
      decide({ object: annotated(long, after.status), observation: found(moved()) }).action,
    ).toBeUndefined();
  });

  it("does nothing without the annotation", () => {
    expect(
      decide({ object: customHostname({ status: owned }), observation: found(moved()) }).action,
    ).toBeUndefined();
  });
});

describe("decideCustomHostname: status", () => {
  it("lists every record the customer must create while the hostname is pending", () => {
    const decision = decide({ observation: found(pendingHostname(), "create") });
    expect(decision.status).toMatchObject({
      hostnameId: ID,
      hostnameStatus: "pending",
      sslStatus: "pending_validation",
      requiredCNAME: { name: HOST, target: "customers.saasprovider.com" },
      dnsRecords: [
        { type: "CNAME", name: HOST, value: "customers.saasprovider.com", purpose: "Routing" },
        {
          type: "TXT",
          name: `_cf-custom-hostname.${HOST}`,
          value: "owner-token",
          purpose: "OwnershipVerification",
        },
        {
          type: "TXT",
          name: `_acme-challenge.${HOST}`,
          value: "acme-token",
          purpose: "CertificateValidation",
        },
      ],
      httpValidations: [
        {
          url: `http://${HOST}/.well-known/cf-custom-hostname-challenge/${ID}`,
          body: "owner-body",
          purpose: "OwnershipVerification",
        },
        {
          url: `http://${HOST}/.well-known/acme-challenge/abc`,
          body: "acme-body",
          purpose: "CertificateValidation",
        },
      ],
      verificationErrors: ["custom hostname does not CNAME to this zone."],
      validationErrors: ["caa_error: CAA record forbids issuance"],
      observedGeneration: 1,
      lastSyncTime: kubeTime(now),
    });
    expect(decision.status.certificate).toBeUndefined();
    expect(condition(decision, "Ready")).toMatchObject({ status: "False", reason: "PendingValidation" });
    expect(condition(decision, "Synced")).toMatchObject({ status: "True", reason: "Synced" });
  });

  it("shows only the CNAME once the hostname and its certificate are active, with the certificate", () => {
    const decision = decide({
      object: customHostname({ status: owned }),
      observation: found(activeHostname({ ownership_verification: { name: "_cf.x", value: "stale" } })),
    });
    expect(decision.status.dnsRecords).toEqual([
      { type: "CNAME", name: HOST, value: "customers.saasprovider.com", purpose: "Routing" },
    ]);
    expect(decision.status.httpValidations).toEqual([]);
    expect(decision.status.certificate).toEqual({
      authority: "google",
      issuer: "GoogleTrustServices",
      serialNumber: "6743787633689793699141714808227354901",
      expiresAt: "2027-02-26T23:59:59Z",
    });
    expect(condition(decision, "Ready")).toMatchObject({ status: "True", reason: "Active" });
    expect(condition(decision, "OwnershipVerified")).toMatchObject({ status: "True" });
    expect(condition(decision, "CertificateIssued")).toMatchObject({ status: "True" });
  });

  it.each([
    [{ cnameTarget: "john.customers.saasprovider.com" }, {}, "john.customers.saasprovider.com"],
    [{}, {}, "customers.saasprovider.com"],
    [{}, { cnameTarget: undefined }, "proxy-fallback.saasprovider.com"],
  ])(
    "points the CNAME at the object's target, else the zone's, else the fallback origin (%o, %o)",
    (spec, origin, target) => {
      const decision = decide({
        object: customHostname({ spec }),
        fallbackOrigin: fallbackOrigin(origin),
        observation: found(pendingHostname(), "create"),
      });
      expect(decision.status.requiredCNAME).toEqual({ name: HOST, target });
      expect(decision.status.dnsRecords?.[0]).toEqual({
        type: "CNAME",
        name: HOST,
        value: target,
        purpose: "Routing",
      });
    },
  );

  it.each([
    // hostname status, ssl status, Ready reason, OwnershipVerified, CertificateIssued
    ["active", "active", "True", "Active", "True", "True"],
    ["pending", "pending_validation", "False", "PendingValidation", "False", "False"],
    ["pending", "initializing", "False", "PendingValidation", "False", "False"],
    ["active", "pending_validation", "False", "PendingCertificateValidation", "True", "False"],
    ["active", "initializing", "False", "Initializing", "True", "False"],
    ["active", "pending_issuance", "False", "PendingIssuance", "True", "False"],
    ["active", "pending_deployment", "False", "PendingDeployment", "True", "True"],
    ["active", "validation_timed_out", "False", "CertificateTimedOut", "True", "False"],
    ["active", "expired", "False", "CertificateExpired", "True", "False"],
    ["active", "backup_issued", "False", "CertificateNotActive", "True", "False"],
    ["active_redeploying", "active", "False", "Redeploying", "True", "True"],
    ["blocked", "active", "False", "Blocked", "False", "True"],
    ["pending_blocked", "pending_validation", "False", "Blocked", "False", "False"],
    ["moved", "active", "False", "Moved", "False", "True"],
    ["deleted", "deleted", "False", "Deleted", "False", "False"],
    ["test_pending", "pending_validation", "False", "PendingValidation", "False", "False"],
  ])(
    "hostname %s with certificate %s is Ready=%s (%s)",
    (hostnameStatus, sslStatus, ready, reason, ownership, issued) => {
      const hostname = activeHostname({ status: hostnameStatus });
      const decision = decide({
        object: customHostname({ status: owned }),
        observation: found({ ...hostname, ssl: { ...hostname.ssl, status: sslStatus } }),
      });
      expect(condition(decision, "Ready")).toMatchObject({ status: ready, reason });
      expect(condition(decision, "OwnershipVerified")?.status).toBe(ownership);
      expect(condition(decision, "CertificateIssued")?.status).toBe(issued);
      expect(decision.status).toMatchObject({ hostnameStatus, sslStatus });
    },
  );

  it("cuts Cloudflare's text to the limits the CRD enforces", () => {
    const long = "x".repeat(5000);
    const hostname = pendingHostname({
      status: "a-status-value-much-longer-than-any-status-cloudflare-documents-today-and-more",
      verification_errors: Array.from({ length: 50 }, () => long),
      ssl: {
        status: "pending_validation",
        method: "http",
        type: "dv",
        validation_records: Array.from({ length: 30 }, (_, n) => ({
          txt_name: `_acme-challenge-${n}.${HOST}`,
          txt_value: long,
          http_url: `http://${HOST}/${long}`,
          http_body: long,
        })),
        validation_errors: Array.from({ length: 40 }, () => ({ message: long })),
      },
    });
    // decide() itself checks the status against the CRD schema.
    const decision = decide({ observation: found(hostname, "create") });
    expect(decision.status.dnsRecords).toHaveLength(16);
    expect(decision.status.httpValidations).toHaveLength(16);
    expect(decision.status.verificationErrors).toHaveLength(32);
    expect(decision.status.verificationErrors?.[0]).toHaveLength(1024);
    expect(decision.status.validationErrors).toHaveLength(32);
  });

  it("keeps conditions other controllers own, and lastTransitionTime while Ready does not change", () => {
    const earlier = "2026-11-28T11:00:10Z";
    const object = customHostname({
      status: {
        ...owned,
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "PendingValidation",
            message: "",
            lastTransitionTime: earlier,
          },
          {
            type: "example.org/Audited",
            status: "True",
            reason: "Done",
            message: "",
            lastTransitionTime: earlier,
          },
        ],
      },
    });
    const decision = decide({ object, observation: found(pendingHostname()) });
    expect(condition(decision, "Ready")?.lastTransitionTime).toBe(earlier);
    expect(condition(decision, "example.org/Audited")).toMatchObject({ status: "True", reason: "Done" });
  });

  it("drops a certificate Cloudflare no longer reports", () => {
    const object = customHostname({ status: { ...owned, certificate: { issuer: "Old CA" } } });
    const decision = decide({ object, observation: found(pendingHostname()) });
    expect(decision.status.certificate).toBeUndefined();
  });
});

describe("decideCustomHostname: when to look again", () => {
  it("checks a pending hostname right after Cloudflare's next validation attempt", () => {
    // Created 100 s ago: Cloudflare checks at 60 s, 123 s, … so the next look is 23 s away.
    const hostname = pendingHostname({ created_at: new Date(now.getTime() - 100_000).toISOString() });
    const object = customHostname({
      status: {
        ...owned,
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "PendingValidation",
            message: "",
            lastTransitionTime: "2026-11-28T11:58:20Z",
          },
        ],
      },
    });
    const decision = decide({ object, observation: found(hostname) });
    expect(decision.requeueAfterMs).toBe(23_000);
    expect(decision.status.nextCheckTime).toBe("2026-11-28T12:00:23Z");
  });

  it("restarts the schedule after its own write, as Cloudflare does", () => {
    const decision = decide({ observation: found(pendingHostname(), "update") });
    expect(decision.requeueAfterMs).toBe(60_000);
  });

  it("runs the schedule faster by the configured scale", () => {
    const decision = decide({ observation: found(pendingHostname(), "create"), scheduleScale: 0.01 });
    expect(decision.requeueAfterMs).toBe(1_000);
    const slower = decide({ observation: found(pendingHostname(), "create"), scheduleScale: 0.1 });
    expect(slower.requeueAfterMs).toBe(6_000);
  });

  it("looks at an active hostname only hourly, since the zone poller refreshes it", () => {
    const decision = decide({
      object: customHostname({ status: owned }),
      observation: found(activeHostname()),
    });
    expect(decision.requeueAfterMs).toBe(ACTIVE_RECHECK_MS);
    expect(decision.retry).toBeUndefined();
  });
});

describe("decideCustomHostname: Cloudflare failures", () => {
  const failure = (
    kind: CloudflareFailure["kind"],
    codes: number[],
    retryable: boolean,
  ): HostnameObservation => ({
    kind: "failed",
    failure: { kind, codes, retryable, message: `Cloudflare said no (${codes.join(",")})` },
  });

  it.each([
    ["server", [1500], true, "CloudflareUnavailable", ""],
    ["rateLimited", [971], true, "CloudflareUnavailable", ""],
    ["network", [], true, "CloudflareUnavailable", ""],
    ["invalidResponse", [], true, "CloudflareUnavailable", ""],
    ["invalidHostname", [1409], false, "InvalidHostname", "spec.hostname"],
    ["entitlement", [1413], false, "EntitlementMissing", "spec.customMetadata"],
    ["entitlement", [1414], false, "EntitlementMissing", "spec.customOriginServer"],
    ["entitlement", [1405], false, "QuotaExceeded", "quota"],
    ["invalidSsl", [1443], false, "InvalidSslSettings", "spec.ssl"],
    ["auth", [10000], false, "Unauthorized", "SSL and Certificates: Edit"],
  ] as const)(
    "a %s failure (%o) reads as %s and is retried only when transient",
    (kind, codes, retryable, reason, hint) => {
      const decision = decide({ observation: failure(kind, [...codes], retryable) });
      expect(decision.action).toBeUndefined();
      expect(condition(decision, "Synced")).toMatchObject({
        status: "False",
        reason,
        message: expect.stringContaining(hint),
      });
      // Nothing is known about the hostname yet, so Ready carries the failure too.
      expect(condition(decision, "Ready")).toMatchObject({ status: "False", reason });
      expect(decision.events).toEqual([expect.objectContaining({ type: "Warning", reason })]);
      expect(decision.retry ?? false).toBe(retryable);
      if (!retryable) expect(decision.requeueAfterMs).toBeGreaterThanOrEqual(30 * 60_000);
    },
  );

  it("keeps the last known Cloudflare state and Ready when a read fails", () => {
    const ready = decide({ object: customHostname({ status: owned }), observation: found(activeHostname()) });
    const object = customHostname({ status: ready.status });
    const decision = decide({ object, observation: failure("server", [], true) });
    expect(decision.status).toMatchObject({
      hostnameId: ID,
      hostnameStatus: "active",
      sslStatus: "active",
      lastSyncTime: ready.status.lastSyncTime,
      certificate: ready.status.certificate,
    });
    expect(condition(decision, "Ready")).toMatchObject({ status: "True", reason: "Active" });
    expect(condition(decision, "Synced")).toMatchObject({ status: "False", reason: "CloudflareUnavailable" });
    expect(decision.retry).toBe(true);
  });
});

describe("decideCustomHostname: deletion", () => {
  const deleting = (changes: Parameters<typeof customHostname>[0] = {}) =>
    customHostname({ status: owned, deleting: true, ...changes });

  it("deletes the hostname it owns", () => {
    const decision = decide({ object: deleting() });
    expect(decision.action).toEqual({
      kind: "delete",
      id: ID,
      event: { type: "Normal", reason: "Deleted", action: "Delete", note: expect.stringContaining(ID) },
    });
  });

  it("releases the object once the hostname is gone from Cloudflare (already gone is fine)", () => {
    expect(decide({ object: deleting(), observation: { kind: "absent" } }).action).toEqual({
      kind: "removeFinalizer",
    });
  });

  it("looks the hostname up by name when its id never reached status, and deletes what it finds", () => {
    const object = deleting({ status: {} });
    expect(decide({ object }).action).toEqual({ kind: "observe" });
    expect(decide({ object, observation: found(pendingHostname(), "list") }).action).toMatchObject({
      kind: "delete",
      id: ID,
    });
  });

  it("leaves Cloudflare alone under deletionPolicy Retain and says so", () => {
    const decision = decide({ object: deleting({ spec: { deletionPolicy: "Retain" } }) });
    expect(decision.action).toEqual({ kind: "removeFinalizer" });
    expect(decision.events).toEqual([
      expect.objectContaining({ reason: "Retained", note: expect.stringContaining(ID) }),
    ]);
  });

  it("releases an object that never owned a hostname because another one claims it", () => {
    const decision = decide({
      object: deleting({ status: {} }),
      conflict: { kind: "CustomHostname", namespace: "tenant-jane", name: "app" },
    });
    expect(decision.action).toEqual({ kind: "removeFinalizer" });
    expect(decision.events).toEqual([]);
  });

  it.each([
    ["the FallbackOrigin is gone", { fallbackOrigin: undefined }, "FallbackOrigin saas-zone"],
    [
      "the Secret is gone",
      { credentials: { kind: "problem", reason: "SecretNotFound", message: "Secret x missing" } as const },
      "SecretNotFound",
    ],
  ])("explains what blocks deletion and how to force it when %s", (_, changes, blocker) => {
    const decision = decide({ object: deleting(), ...changes });
    expect(decision.action).toBeUndefined();
    expect(decision.retry).toBeUndefined();
    expect(decision.requeueAfterMs).toBe(WAITING_ON_USER_RECHECK_MS);
    const ready = condition(decision, "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "DeletionBlocked" });
    expect(ready?.message).toContain(blocker);
    expect(ready?.message).toContain("spec.deletionPolicy: Retain");
    expect(ready?.message).toContain(
      `kubectl patch cfh app-customer-com -n tenant-john --type=merge -p '{"metadata":{"finalizers":null}}'`,
    );
  });

  it("retries a delete Cloudflare failed transiently", () => {
    const decision = decide({
      object: deleting(),
      observation: {
        kind: "failed",
        failure: { kind: "server", codes: [], retryable: true, message: "502" },
      },
    });
    expect(decision.action).toBeUndefined();
    expect(decision.retry).toBe(true);
    expect(condition(decision, "Ready")).toMatchObject({ status: "False", reason: "DeletionFailed" });
  });

  it("does nothing once its finalizer is gone", () => {
    const object = deleting({ finalizers: ["someone.else/finalizer"] });
    const decision = decide({ object });
    expect(decision).toEqual({ status: object.status, events: [] });
  });
});

describe("decideCustomHostname: a settled hostname costs no writes", () => {
  function settledStatus(at: Date) {
    return decide({
      object: customHostname({ status: owned }),
      observation: found(activeHostname(), "get"),
      now: at,
    }).status;
  }

  it("leaves the status untouched when the zone poller's snapshot shows nothing new", () => {
    const status = settledStatus(now);
    const tenMinutesLater = new Date(now.getTime() + 10 * 60_000);
    const again = decide({
      object: customHostname({ status }),
      observation: found(activeHostname(), "snapshot"),
      now: tenMinutesLater,
    });
    expect(again.action).toBeUndefined();
    expect(again.status).toEqual(status);
    expect(again.requeueAfterMs).toBe(ACTIVE_RECHECK_MS - 10 * 60_000);
  });

  it("still renews lastSyncTime from the snapshot once an hour", () => {
    const status = settledStatus(now);
    const later = new Date(now.getTime() + 61 * 60_000);
    const again = decide({
      object: customHostname({ status }),
      observation: found(activeHostname(), "snapshot"),
      now: later,
    });
    expect(again.status.lastSyncTime).toBe(kubeTime(later));
  });

  it("stamps lastSyncTime after a read of its own", () => {
    const status = settledStatus(now);
    const later = new Date(now.getTime() + 60_000);
    const again = decide({
      object: customHostname({ status }),
      observation: found(activeHostname(), "get"),
      now: later,
    });
    expect(again.status.lastSyncTime).toBe(kubeTime(later));
  });

  it("moves an earlier scheduled check no later, and a passed one forward", () => {
    const status = settledStatus(now);
    const pastDue = new Date(Date.parse(status.nextCheckTime!) + 1_000);
    const again = decide({
      object: customHostname({ status }),
      observation: found(activeHostname(), "snapshot"),
      now: pastDue,
    });
    expect(Date.parse(again.status.nextCheckTime!)).toBe(pastDue.getTime() + ACTIVE_RECHECK_MS);
  });
});

describe("decideCustomHostname: a refusal only the user can fix is not repeated on every event", () => {
  const refusal = metadataRefusal;
  const refused = () =>
    decide({
      object: customHostname({ spec: { customMetadata: { tier: "gold" } } }),
      observation: { kind: "failed", failure: refusal },
    }).status;

  it("does not ask Cloudflare again before the scheduled check", () => {
    const status = refused();
    const soon = new Date(now.getTime() + 60_000);
    const again = decide({
      object: customHostname({ spec: { customMetadata: { tier: "gold" } }, status }),
      now: soon,
    });
    expect(again.action).toBeUndefined();
    expect(again.status).toEqual(status);
    expect(again.requeueAfterMs).toBe(Date.parse(status.nextCheckTime!) - soon.getTime());
  });

  it("asks again at once after a spec change", () => {
    const status = refused();
    const changed = customHostname({ spec: {}, status, generation: 2 });
    expect(decide({ object: changed }).action).toEqual({ kind: "observe" });
  });

  it("asks again once the scheduled check is due", () => {
    const status = refused();
    const due = new Date(Date.parse(status.nextCheckTime!) + 1_000);
    const again = decide({
      object: customHostname({ spec: { customMetadata: { tier: "gold" } }, status }),
      now: due,
    });
    expect(again.action).toEqual({ kind: "observe" });
  });

  it("does not repeat a refused edit of an existing hostname on every zone poll, but shows what Cloudflare holds", () => {
    const spec = { customMetadata: { tier: "gold" } };
    const object = (status: CustomHostname["status"]) => customHostname({ spec, status, generation: 2 });
    const first = decide({ object: object({ ...owned }), observation: found(pendingHostname(), "snapshot") });
    expect(first.action).toMatchObject({ kind: "update", drift: ["customMetadata"] });
    // A validation check was due in a minute; the refusal pushes the next attempt out to its own delay.
    const validating = { ...owned, nextCheckTime: kubeTime(new Date(now.getTime() + 60_000)) };
    const status = decide({
      object: object(validating),
      observation: { kind: "failed", failure: refusal },
    }).status;
    expect(condition({ status, events: [] }, "Synced")).toMatchObject({ reason: "EntitlementMissing" });
    expect(Date.parse(status.nextCheckTime!)).toBe(now.getTime() + USER_FIXABLE_REQUEUE_MS);

    const soon = new Date(now.getTime() + 60_000);
    // Still validating: the snapshot's short validation schedule must not bring the retry forward.
    const stillPending = decide({
      object: object(status),
      observation: found(pendingHostname(), "snapshot"),
      now: soon,
    });
    expect(stillPending.action).toBeUndefined();
    expect(stillPending.status.nextCheckTime).toBe(status.nextCheckTime);
    const polled = decide({
      object: object(status),
      observation: found(activeHostname(), "snapshot"),
      now: soon,
    });
    expect(polled.action).toBeUndefined();
    expect(polled.status.hostnameStatus).toBe("active");
    expect(condition(polled, "Ready")?.status).toBe("True");
    expect(condition(polled, "Synced")).toMatchObject({ status: "False", reason: "EntitlementMissing" });
    expect(polled.events).toEqual([]);

    const due = new Date(Date.parse(polled.status.nextCheckTime!) + 1_000);
    const retried = decide({
      object: object(polled.status),
      observation: found(activeHostname(), "snapshot"),
      now: due,
    });
    expect(retried.action).toMatchObject({ kind: "update" });
  });

  it("creates at once when a credentials problem that blocked it is fixed", () => {
    const blocked = decide({
      credentials: {
        kind: "problem",
        reason: "SecretNotFound",
        message: "Secret cfsaas-system/cloudflare-api not found",
      },
    }).status;
    expect(condition({ status: blocked, events: [] }, "Synced")).toMatchObject({ reason: "SecretNotFound" });
    const fixed = decide({
      object: customHostname({ status: blocked }),
      now: new Date(now.getTime() + 5_000),
    });
    expect(fixed.action).toEqual({ kind: "observe" });
  });

  it("keeps retrying a Cloudflare outage on its own backoff", () => {
    const outage: CloudflareFailure = { kind: "server", message: "HTTP 500", codes: [], retryable: true };
    const status = decide({ observation: { kind: "failed", failure: outage } }).status;
    expect(
      decide({ object: customHostname({ status }), now: new Date(now.getTime() + 5_000) }).action,
    ).toEqual({
      kind: "observe",
    });
  });
});

describe("decideCustomHostname: waiting for the request budget", () => {
  it("tells a new hostname's customer what to create before Cloudflare is called, and says it is queued", () => {
    const decision = decide({ object: customHostname(), observation: { kind: "queued", waitMs: 90_000 } });
    expect(decision.action).toBeUndefined();
    expect(decision.status.requiredCNAME).toEqual({ name: HOST, target: "customers.saasprovider.com" });
    expect(decision.status.dnsRecords?.map((record) => record.purpose)).toContain("Routing");
    expect(findCondition(decision.status.conditions, "Ready")).toMatchObject({
      status: "False",
      reason: "Queued",
    });
    expect(decision.requeueAfterMs).toBe(90_000);
    expect(decision.events).toEqual([]);
    expect(decision.retry).toBeUndefined();
  });

  it("keeps the status of a hostname already in Cloudflare and only looks again later", () => {
    const status = CustomHostnameStatusSchema.parse({ hostnameId: ID, hostnameStatus: "pending" });
    const object = customHostname({ status });
    const decision = decide({ object, observation: { kind: "queued", waitMs: 40_000 } });
    expect(decision.status).toBe(object.status);
    expect(decision.requeueAfterMs).toBe(40_000);
  });

  it("gives a new hostname waiting for its first reconcile the queued status, without a finalizer or a call", () => {
    const waiting = input({ object: customHostname({ finalizers: [] }) });
    const status = statusWhileWaiting(waiting);
    expect(CustomHostnameStatusSchema.safeParse(status).error).toBeUndefined();
    // What a reconcile queued for the budget writes, the same status: the customer's records and the reason.
    const queued = decide({
      ...waiting,
      object: customHostname(),
      observation: { kind: "queued", waitMs: 0 },
    });
    expect(status).toEqual(queued.status);
    expect(status?.requiredCNAME).toEqual({ name: HOST, target: "customers.saasprovider.com" });
    expect(findCondition(status?.conditions, "Ready")?.reason).toBe("Queued");
    expect(status?.hostnameId).toBeUndefined();

    // Nothing when a status is there already, the object is going, or something blocks it (its reconcile says).
    const written = customHostname({ status: status! });
    expect(statusWhileWaiting({ ...waiting, object: written })).toBeUndefined();
    expect(statusWhileWaiting({ ...waiting, object: customHostname({ deleting: true }) })).toBeUndefined();
    expect(statusWhileWaiting({ ...waiting, fallbackOrigin: undefined })).toBeUndefined();
    const conflict = { kind: "CustomHostname", namespace: "tenant-jane", name: "app" } as const;
    expect(statusWhileWaiting({ ...waiting, conflict })).toBeUndefined();
    const credentials: CredentialsState = { kind: "problem", reason: "SecretNotFound", message: "no Secret" };
    expect(statusWhileWaiting({ ...waiting, credentials })).toBeUndefined();
  });

  it("queues a new hostname's create before its finalizer, and writes the same status at every look", () => {
    const fresh = customHostname({ finalizers: [] });
    const first = decide({ object: fresh, observation: { kind: "queued", waitMs: 90_000 } });
    // Nothing is in Cloudflare yet: no finalizer patch, only the status.
    expect(first.action).toBeUndefined();
    expect(findCondition(first.status.conditions, "Ready")?.reason).toBe("Queued");
    expect(first.status.nextCheckTime).toBeUndefined();
    // Looked at again later, its turn re-estimated: the status is the same, so nothing is written.
    const later = input({
      object: customHostname({ finalizers: [], status: first.status }),
      observation: { kind: "queued", waitMs: 30_000 },
      now: new Date(now.getTime() + 60_000),
    });
    const second = decideCustomHostname(later);
    expect(second.status).toEqual(first.status);
    expect(second.requeueAfterMs).toBe(30_000);
  });

  it("does not report a refused create as queued: the refusal stands until its retry", () => {
    const refusal = metadataRefusal;
    const spec = { customMetadata: { tier: "gold" } };
    const refused = decide({
      object: customHostname({ spec }),
      observation: { kind: "failed", failure: refusal },
    });
    const again = decide({
      object: customHostname({ spec, status: refused.status, finalizers: [] }),
      observation: { kind: "queued", waitMs: 90_000 },
    });
    expect(findCondition(again.status.conditions, "Ready")?.reason).toBe(
      findCondition(refused.status.conditions, "Ready")?.reason,
    );
    expect(findCondition(again.status.conditions, "Ready")?.reason).not.toBe("Queued");
  });

  it("creates a hostname the zone listing shows absent without looking it up first", () => {
    expect(decide({ object: customHostname(), observation: { kind: "absent" } }).action?.kind).toBe("create");
  });
});

describe("decideCustomHostname: the customer's DNS", () => {
  const since = new Date(now.getTime() - 60_000);
  /** The routing CNAME as given, and the certificate's TXT record (listed while pending) right. */
  const verdict = (routing: "match" | "missing", observed: string) =>
    new Map([
      [
        `CNAME ${HOST} customers.saasprovider.com`,
        { verdict: routing, observed, finding: `${HOST} has ${observed}`, since },
      ],
      [
        `TXT _acme-challenge.${HOST} acme-token`,
        { verdict: "match" as const, observed: "acme-token", finding: "", since },
      ],
    ]);
  const refresh = { thresholdMs: 5 * 60_000, intervalMs: 60 * 60_000 };
  /** Created 30 h ago: Cloudflare's next own check is hours away. */
  const stuck = () => pendingHostname({ created_at: "2026-11-27T06:00:00Z" });

  it("asks Cloudflare to re-validate when DNS became right and its next check is hours away", () => {
    const decision = decide({
      object: customHostname({ status: owned }),
      observation: found(stuck(), "snapshot"),
      dns: { observation: verdict("match", "customers.saasprovider.com"), refresh },
    });
    expect(decision.action).toMatchObject({
      kind: "update",
      drift: [],
      body: { ssl: { method: "http", type: "dv" } },
      event: {
        type: "Normal",
        reason: "RefreshedOnDNSChange",
        note: expect.stringMatching(/next check was about \d h away$/),
      },
    });
  });

  it("records the refresh once it is made, and does not make it again", () => {
    const dns = { observation: verdict("match", "customers.saasprovider.com"), refresh };
    const after = decide({
      object: customHostname({ status: owned }),
      observation: found(stuck(), "update"),
      dns,
    });
    expect(after.action).toBeUndefined();
    expect(after.status.dnsRefreshTime).toBe(kubeTime(now));
    expect(condition(after, "DNSConfigured")).toMatchObject({ status: "True", reason: "RecordsFound" });
    const again = decide({
      object: customHostname({ status: after.status }),
      observation: found(stuck(), "snapshot"),
      dns,
    });
    expect(again.action).toBeUndefined();
    // Nor from a cached object that does not show the status write yet.
    const stale = decide({
      object: customHostname({ status: owned }),
      observation: found(stuck(), "snapshot"),
      dns: { ...dns, refreshedAt: kubeTime(now) },
    });
    expect(stale.action).toBeUndefined();
  });

  it("leaves Cloudflare alone while DNS is not right, and says what to create", () => {
    const decision = decide({
      object: customHostname({ status: owned }),
      observation: found(stuck(), "snapshot"),
      dns: { observation: verdict("missing", "(no record: NXDOMAIN)"), refresh },
    });
    expect(decision.action).toBeUndefined();
    expect(condition(decision, "DNSConfigured")).toMatchObject({ status: "False", reason: "CnameMissing" });
    expect(decision.status.dnsRecords?.[0]).toMatchObject({ observed: "(no record: NXDOMAIN)" });
  });

  it("warns once when an active hostname's DNS moves away, not when an answer older than the activation lags", () => {
    const right = { observation: verdict("match", "customers.saasprovider.com"), refresh };
    const active = decide({
      object: customHostname({ status: owned }),
      observation: found(activeHostname(), "snapshot"),
      dns: right,
    });
    expect(condition(active, "DNSConfigured")).toMatchObject({ status: "True" });
    // The watcher's answer from a minute ago still says missing: Cloudflare was faster than the next lookup.
    const lagging = decide({
      object: customHostname({ status: owned }),
      observation: found(activeHostname(), "snapshot"),
      dns: { observation: verdict("missing", "(no record: NXDOMAIN)"), refresh },
    });
    expect(condition(lagging, "DNSConfigured")).toMatchObject({ status: "False", reason: "CnameMissing" });
    expect(lagging.events).toEqual([]);

    const later = new Date(now.getTime() + 3_600_000);
    const gone = new Map([
      [
        `CNAME ${HOST} customers.saasprovider.com`,
        {
          verdict: "missing" as const,
          observed: "(no record: NXDOMAIN)",
          finding: `${HOST} is gone`,
          since: later,
        },
      ],
    ]);
    const dns = { observation: gone, refresh };
    const moved = decide({
      object: customHostname({ status: active.status }),
      observation: found(activeHostname(), "snapshot"),
      dns,
      now: later,
    });
    expect(condition(moved, "DNSConfigured")).toMatchObject({
      status: "False",
      reason: "CustomerDNSMovedAway",
    });
    expect(moved.events).toContainEqual(
      expect.objectContaining({ type: "Warning", reason: "CustomerDNSMovedAway" }),
    );
    const next = decide({
      object: customHostname({ status: moved.status }),
      observation: found(activeHostname(), "snapshot"),
      dns,
      now: later,
    });
    expect(next.events).toEqual([]);
  });

  it("drops the condition and what records resolved to when the DNS watch is turned off", () => {
    const dns = { observation: verdict("match", "customers.saasprovider.com"), refresh };
    const watched = decide({
      object: customHostname({ status: owned }),
      observation: found(activeHostname(), "snapshot"),
      dns,
    });
    const off = decide({
      object: customHostname({ status: watched.status }),
      observation: found(activeHostname(), "snapshot"),
    });
    expect(condition(off, "DNSConfigured")).toBeUndefined();
    expect(off.status.dnsRecords?.[0]).not.toHaveProperty("observed");
  });
});
