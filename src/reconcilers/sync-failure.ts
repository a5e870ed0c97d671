/**
 * What a failed Cloudflare call means for the user: a condition reason, a message saying what to do, and whether
 * trying again can help. Shared by both reconcilers so the same failure reads the same everywhere.
 */

import { ConditionType } from "../api/conditions.ts";
import type { Reason } from "../api/reasons.ts";
import type { CloudflareFailure } from "../cloudflare/errors.ts";
import type { PlannedEvent } from "./model.ts";
import { type ReasonedCondition, warningEvent } from "./reporting.ts";

export interface SyncFailure {
  reason: Reason;
  message: string;
  /** Transient: back off and retry. Otherwise only a spec or Secret change can help. */
  retry: boolean;
  requeueAfterMs: number;
}

/** A failure only the user can fix is still looked at now and then, in case the plan or account changed. */
export const USER_FIXABLE_REQUEUE_MS = 30 * 60_000;
const TRANSIENT_REQUEUE_MS = 30_000;

// Quota and entitlements Cloudflare grants per zone (docs/cloudflare-api.md#entitlements-and-quota); the message
// names the spec field it refuses.
const entitlements: Record<number, { reason: Reason; message: string }> = {
  1404: {
    reason: "QuotaExceeded",
    message: "no custom-hostname quota is allocated to this zone (1404); ask Cloudflare to allocate one",
  },
  1405: {
    reason: "QuotaExceeded",
    message: "the zone's custom-hostname quota is used up (1405); delete unused hostnames or raise the quota",
  },
  1413: {
    reason: "EntitlementMissing",
    message:
      "the plan refuses spec.customMetadata: custom metadata is not enabled for this zone (1413); ask the Cloudflare account team to enable it, or remove spec.customMetadata",
  },
  1414: {
    reason: "EntitlementMissing",
    message:
      "the plan refuses spec.customOriginServer: custom origin servers are not granted for this zone (1414); ask the Cloudflare account team for the entitlement, or remove spec.customOriginServer",
  },
};

const reasonOfKind: Record<CloudflareFailure["kind"], Reason> = {
  rateLimited: "CloudflareUnavailable",
  server: "CloudflareUnavailable",
  network: "CloudflareUnavailable",
  invalidResponse: "CloudflareUnavailable",
  invalidHostname: "InvalidHostname",
  entitlement: "EntitlementMissing",
  invalidSsl: "InvalidSslSettings",
  immutable: "HostnameImmutable",
  auth: "Unauthorized",
  duplicate: "DuplicateHostname",
  notFound: "NotFound",
  other: "CloudflareError",
};

/**
 * Reasons for a Cloudflare answer that stays the same until the spec, the plan or the account changes: asking
 * again on every event would only repeat it. (Credential problems are not here: a Secret change ends them.)
 */
export const REFUSAL_REASONS: ReadonlySet<string> = new Set<Reason>([
  "InvalidHostname",
  "EntitlementMissing",
  "QuotaExceeded",
  "InvalidSslSettings",
  "HostnameImmutable",
  "DuplicateHostname",
  "CloudflareError",
]);

const adviceOfReason: Partial<Record<Reason, string>> = {
  CloudflareUnavailable: "retrying with backoff",
  InvalidHostname: "fix spec.hostname or spec.customOriginServer",
  InvalidSslSettings: "fix spec.ssl",
  HostnameImmutable: "Cloudflare cannot rename a hostname: delete this object and create a new one",
  Unauthorized:
    'check the credentials Secret: the token needs "SSL and Certificates: Edit" and "Zone: Read" on this zone',
};

export function describeFailure(failure: CloudflareFailure): SyncFailure {
  const timing = failure.retryable
    ? { retry: true, requeueAfterMs: Math.max(TRANSIENT_REQUEUE_MS, (failure.retryAfterSeconds ?? 0) * 1000) }
    : { retry: false, requeueAfterMs: USER_FIXABLE_REQUEUE_MS };
  const entitlement = failure.codes.map((code) => entitlements[code]).find((known) => known !== undefined);
  if (entitlement) {
    return { ...entitlement, message: `${entitlement.message}. ${failure.message}`, ...timing };
  }
  const reason = reasonOfKind[failure.kind];
  const advice = adviceOfReason[reason];
  return { reason, message: advice ? `${failure.message}; ${advice}` : failure.message, ...timing };
}

export interface FailureReport {
  conditions: ReasonedCondition[];
  events: PlannedEvent[];
  requeueAfterMs: number;
  retry: boolean;
}

/**
 * Conditions and event for a failed call. Synced carries the failure; Ready keeps describing the last known
 * Cloudflare state, which a failed call does not change, unless there is none yet or the failure blocks deletion.
 */
export function reportFailure(
  cloudflareFailure: CloudflareFailure,
  action: "Sync" | "Delete",
  knowsCloudflareState: boolean,
): FailureReport {
  const failure = describeFailure(cloudflareFailure);
  const conditions: ReasonedCondition[] = [
    { type: ConditionType.Synced, status: "False", reason: failure.reason, message: failure.message },
  ];
  if (!knowsCloudflareState || action === "Delete") {
    conditions.push({
      type: ConditionType.Ready,
      status: "False",
      reason: action === "Delete" ? "DeletionFailed" : failure.reason,
      message: failure.message,
    });
  }
  return {
    conditions,
    events: [warningEvent(failure.reason, action, failure.message)],
    requeueAfterMs: failure.requeueAfterMs,
    retry: failure.retry,
  };
}
