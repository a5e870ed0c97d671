import { describe, expect, it } from "vitest";
import {
  type FallbackOrigin,
  FallbackOriginSchema,
  FallbackOriginStatusSchema,
} from "../../api/fallback-origin.ts";
import { findCondition, kubeTime } from "../../kube/status-conditions.ts";
import type { CredentialsState } from "../../zones/cloudflare-access.ts";
import { ACTIVE_RECHECK_MS, WAITING_ON_USER_RECHECK_MS } from "../schedule.ts";
import { decideFallbackOrigin } from "./decide.ts";
import {
  FALLBACK_ORIGIN_FINALIZER,
  type FallbackOriginDecision,
  type FallbackOriginInput,
  type OriginObservation,
} from "./types.ts";

const now = new Date("2026-11-28T12:00:00Z");
const ORIGIN = "proxy-fallback.saasprovider.com";

function fallbackOrigin(
  changes: {
    spec?: Record<string, unknown>;
    status?: FallbackOrigin["status"];
    finalizers?: string[];
    deleting?: boolean;
  } = {},
): FallbackOrigin {
  return FallbackOriginSchema.parse({
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "FallbackOrigin",
    metadata: {
      name: "saas-zone",
      generation: 1,
      creationTimestamp: "2026-11-28T11:00:00Z",
      ...(changes.finalizers && { finalizers: changes.finalizers }),
      ...(changes.deleting && { deletionTimestamp: "2026-11-28T11:59:00Z" }),
    },
    spec: {
      zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
      origin: ORIGIN,
      credentialsRef: { name: "cloudflare-api" },
      ...changes.spec,
    },
    ...(changes.status && { status: changes.status }),
  });
}

function decide(changes: Partial<FallbackOriginInput> = {}): FallbackOriginDecision {
  const decision = decideFallbackOrigin({
    object: fallbackOrigin(),
    credentials: { kind: "usable" },
    conflict: undefined,
    observation: { kind: "unobserved" },
    now,
    ...changes,
  });
  expect(FallbackOriginStatusSchema.safeParse(decision.status).error).toBeUndefined();
  return decision;
}

const found = (status: string, origin = ORIGIN, source: "get" | "update" = "get"): OriginObservation => ({
  kind: "found",
  origin: { origin, status, errors: status === "active" ? [] : ["origin not proxied"] },
  source,
});
const ready = (decision: FallbackOriginDecision) => findCondition(decision.status.conditions, "Ready");
const withDeletePolicy = { spec: { deletionPolicy: "Delete" }, finalizers: [FALLBACK_ORIGIN_FINALIZER] };

describe("decideFallbackOrigin under managementPolicy Manage", () => {
  it("reads Cloudflare first", () => {
    expect(decide().action).toEqual({ kind: "observe" });
  });

  it("sets the origin when the zone has none", () => {
    expect(decide({ observation: { kind: "absent" } }).action).toEqual({
      kind: "update",
      origin: ORIGIN,
      event: expect.objectContaining({ type: "Normal", reason: "OriginUpdated", action: "Update" }),
    });
  });

  it("puts spec.origin back when Cloudflare has another one", () => {
    const decision = decide({ observation: found("active", "old.saasprovider.com") });
    expect(decision.action).toMatchObject({
      kind: "update",
      origin: ORIGIN,
      event: { reason: "OriginUpdated", note: expect.stringContaining("from old.saasprovider.com") },
    });
  });

  it("takes the reply of its own update as it is, without updating again", () => {
    const decision = decide({ observation: found("initializing", "other.example.com", "update") });
    expect(decision.action).toBeUndefined();
  });

  it("is Ready once Cloudflare's fallback origin is active, and looks again only hourly", () => {
    const decision = decide({ observation: found("active") });
    expect(decision.action).toBeUndefined();
    expect(decision.status).toMatchObject({
      originStatus: "active",
      errors: [],
      lastSyncTime: "2026-11-28T12:00:00Z",
    });
    expect(ready(decision)).toMatchObject({ status: "True", reason: "Active" });
    expect(findCondition(decision.status.conditions, "Synced")).toMatchObject({ status: "True" });
    expect(decision.requeueAfterMs).toBe(ACTIVE_RECHECK_MS);
  });

  it("writes nothing when a read changes nothing (a restart), and renews lastSyncTime hourly", () => {
    const settled = decide({ observation: found("active") }).status;
    const minutesLater = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const object = fallbackOrigin({ status: settled });
    expect(decide({ object, observation: found("active"), now: minutesLater(59) }).status).toEqual(settled);
    const hourLater = decide({ object, observation: found("active"), now: minutesLater(60) }).status;
    expect(hourLater.lastSyncTime).toBe(kubeTime(minutesLater(60)));
  });

  it.each([
    ["initializing", "Pending"],
    ["pending_deployment", "Pending"],
    ["deployment_timed_out", "DeploymentTimedOut"],
    ["pending_deletion", "PendingDeletion"],
    ["a_status_from_the_future", "NotActive"],
  ])("reports a %s origin as not Ready (%s) with Cloudflare's errors", (status, reason) => {
    const decision = decide({ observation: found(status) });
    expect(decision.status).toMatchObject({ originStatus: status, errors: ["origin not proxied"] });
    expect(ready(decision)).toMatchObject({
      status: "False",
      reason,
      message: expect.stringContaining("origin not proxied"),
    });
  });

  it("looks again after 10 s while pending, then less often the longer it stays pending", () => {
    expect(decide({ observation: found("initializing") }).requeueAfterMs).toBe(10_000);
    const pendingFor20Minutes = fallbackOrigin({
      status: {
        originStatus: "initializing",
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "Pending",
            message: "",
            lastTransitionTime: "2026-11-28T11:40:00Z",
          },
        ],
      },
    });
    const later = decide({ object: pendingFor20Minutes, observation: found("initializing") });
    expect(later.requeueAfterMs).toBe(5 * 60_000);
    const pendingForHours = fallbackOrigin({
      status: {
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "Pending",
            message: "",
            lastTransitionTime: "2026-11-28T06:00:00Z",
          },
        ],
      },
    });
    expect(decide({ object: pendingForHours, observation: found("initializing") }).requeueAfterMs).toBe(
      600_000,
    );
  });
});

describe("decideFallbackOrigin under managementPolicy Observe", () => {
  const observed = fallbackOrigin({ spec: { managementPolicy: "Observe" } });

  it("never writes: a different origin is only reported", () => {
    const decision = decide({ object: observed, observation: found("active", "other.saasprovider.com") });
    expect(decision.action).toBeUndefined();
    expect(ready(decision)).toMatchObject({
      status: "True",
      message: expect.stringContaining("other.saasprovider.com, not spec.origin"),
    });
  });

  it("reports a zone without a fallback origin as OriginNotSet", () => {
    const decision = decide({ object: observed, observation: { kind: "absent" } });
    expect(decision.action).toBeUndefined();
    expect(ready(decision)).toMatchObject({ status: "False", reason: "OriginNotSet" });
  });

  it("takes no finalizer even with deletionPolicy Delete, and drops one left from Manage", () => {
    const object = fallbackOrigin({
      spec: { managementPolicy: "Observe", deletionPolicy: "Delete" },
      finalizers: [FALLBACK_ORIGIN_FINALIZER],
    });
    expect(decide({ object }).action).toEqual({ kind: "removeFinalizer" });
  });
});

describe("decideFallbackOrigin: what blocks it", () => {
  it("touches nothing when an older FallbackOrigin manages the same zone", () => {
    const decision = decide({
      object: fallbackOrigin(withDeletePolicy),
      conflict: { kind: "FallbackOrigin", name: "older-zone" },
    });
    expect(decision.action).toBeUndefined();
    expect(decision.retry).toBeUndefined();
    expect(ready(decision)).toMatchObject({
      status: "False",
      reason: "Conflict",
      message: expect.stringContaining("FallbackOrigin older-zone is older"),
    });
  });

  it.each<CredentialsState & { kind: "problem" }>([
    {
      kind: "problem",
      reason: "SecretNotFound",
      message: "Secret cfsaas-system/cloudflare-api does not exist",
    },
    { kind: "problem", reason: "InvalidSecret", message: 'has keys "token"' },
    { kind: "problem", reason: "InvalidCredentials", message: "the API token is expired" },
    { kind: "problem", reason: "Unauthorized", message: "cannot access zone" },
    { kind: "problem", reason: "CredentialsCheckFailed", message: "could not check" },
  ])("reports unusable credentials ($reason) and looks again in a few minutes", (credentials) => {
    const decision = decide({ credentials });
    expect(decision.action).toBeUndefined();
    expect(decision.retry).toBeUndefined();
    expect(decision.requeueAfterMs).toBe(WAITING_ON_USER_RECHECK_MS);
    expect(ready(decision)).toMatchObject({
      status: "False",
      reason: credentials.reason,
      message: expect.stringContaining(credentials.message),
    });
    expect(decision.events).toEqual([
      expect.objectContaining({ type: "Warning", reason: credentials.reason }),
    ]);
  });

  it("keeps the last known origin status when a read fails, and retries", () => {
    const object = fallbackOrigin({ status: { originStatus: "active" } });
    const decision = decide({
      object,
      observation: {
        kind: "failed",
        failure: { kind: "network", codes: [], retryable: true, message: "reset" },
      },
    });
    expect(decision.status.originStatus).toBe("active");
    expect(findCondition(decision.status.conditions, "Synced")).toMatchObject({
      status: "False",
      reason: "CloudflareUnavailable",
    });
    expect(ready(decision)).toBeUndefined();
    expect(decision.retry).toBe(true);
  });
});

describe("decideFallbackOrigin: finalizer and deletion", () => {
  it("guards deletionPolicy Delete with a finalizer", () => {
    expect(decide({ object: fallbackOrigin({ spec: { deletionPolicy: "Delete" } }) }).action).toEqual({
      kind: "addFinalizer",
    });
  });

  it("needs no finalizer under deletionPolicy Retain, and drops one left from Delete", () => {
    expect(decide().action).toEqual({ kind: "observe" });
    const object = fallbackOrigin({ finalizers: [FALLBACK_ORIGIN_FINALIZER] });
    expect(decide({ object }).action).toEqual({ kind: "removeFinalizer" });
  });

  it("deletes the origin in Cloudflare, then releases the object", () => {
    const object = fallbackOrigin({ ...withDeletePolicy, deleting: true });
    expect(decide({ object }).action).toMatchObject({ kind: "delete", event: { reason: "OriginDeleted" } });
    expect(decide({ object, observation: { kind: "absent" } }).action).toEqual({ kind: "removeFinalizer" });
  });

  it("releases a conflicting object without touching the origin it never owned", () => {
    const object = fallbackOrigin({ ...withDeletePolicy, deleting: true });
    const decision = decide({ object, conflict: { kind: "FallbackOrigin", name: "older-zone" } });
    expect(decision.action).toEqual({ kind: "removeFinalizer" });
  });

  it("explains how to force deletion when the credentials are unusable", () => {
    const object = fallbackOrigin({ ...withDeletePolicy, deleting: true });
    const decision = decide({
      object,
      credentials: { kind: "problem", reason: "SecretNotFound", message: "Secret gone" },
    });
    expect(decision.action).toBeUndefined();
    expect(ready(decision)).toMatchObject({
      reason: "DeletionBlocked",
      message: expect.stringContaining("kubectl patch cffo saas-zone"),
    });
  });

  it("retries a delete that failed transiently", () => {
    const object = fallbackOrigin({ ...withDeletePolicy, deleting: true });
    const decision = decide({
      object,
      observation: {
        kind: "failed",
        failure: { kind: "server", codes: [], retryable: true, message: "502" },
      },
    });
    expect(decision.retry).toBe(true);
    expect(ready(decision)).toMatchObject({ reason: "DeletionFailed" });
  });

  it("does nothing for an object being deleted without its finalizer", () => {
    const object = fallbackOrigin({ spec: { deletionPolicy: "Delete" }, deleting: true });
    expect(decide({ object })).toEqual({ status: {}, events: [] });
  });
});
