/**
 * The FallbackOrigin reconcile as a pure function (see the CustomHostname one for the loop that runs it). Manage
 * puts spec.origin in Cloudflare; Observe only reports what is there. Either way, Ready follows Cloudflare's
 * status: until the fallback origin is `active`, no custom hostname of the zone can pass ownership validation
 * (docs/cloudflare-api.md#fallback-origin).
 */

import { ConditionType } from "../../api/conditions.ts";
import type { FallbackOrigin, FallbackOriginStatus } from "../../api/fallback-origin.ts";
import type { Reason } from "../../api/reasons.ts";
import {
  MAX_STATUS_MESSAGES,
  STATUS_TEXT_MAX_LENGTH,
  STATUS_WORD_MAX_LENGTH,
} from "../../api/status-text.ts";
import type { CloudflareFailure } from "../../cloudflare/errors.ts";
import type { FallbackOrigin as CloudflareFallbackOrigin } from "../../cloudflare/wire.ts";
import { findCondition, kubeTime } from "../../kube/status-conditions.ts";
import type { PlannedEvent } from "../model.ts";
import {
  applyConditions,
  normalEvent,
  type ReasonedCondition,
  renewsSyncStamp,
  SYNCED,
  warningEvent,
} from "../reporting.ts";
import { ACTIVE_RECHECK_MS, MIN_CHECK_DELAY_MS, WAITING_ON_USER_RECHECK_MS } from "../schedule.ts";
import { reportFailure } from "../sync-failure.ts";
import {
  FALLBACK_ORIGIN_FINALIZER,
  type FallbackOriginAction,
  type FallbackOriginDecision,
  type FallbackOriginInput,
} from "./types.ts";

const FIRST_PENDING_REQUEUE_MS = 10_000;
const MAX_PENDING_REQUEUE_MS = 10 * 60_000;

const pendingReasons: Record<string, Reason> = {
  initializing: "Pending",
  pending_deployment: "Pending",
  deployment_timed_out: "DeploymentTimedOut",
  pending_deletion: "PendingDeletion",
  deletion_timed_out: "DeletionTimedOut",
  deleted: "Deleted",
};

export function decideFallbackOrigin(input: FallbackOriginInput): FallbackOriginDecision {
  const { object, conflict, credentials, observation } = input;
  const manage = object.spec.managementPolicy === "Manage";
  const needsFinalizer = manage && object.spec.deletionPolicy === "Delete";
  const hasFinalizer = object.metadata.finalizers?.includes(FALLBACK_ORIGIN_FINALIZER) ?? false;

  if (object.metadata.deletionTimestamp !== undefined) {
    if (!hasFinalizer) return { status: object.status ?? {}, events: [] };
    // A conflicting object never owned Cloudflare's origin, and a policy may have changed since it was added.
    if (conflict || !needsFinalizer) return step(input, { kind: "removeFinalizer" });
    if (credentials.kind === "problem") {
      const message = `cannot delete the fallback origin of zone ${object.spec.zoneId}: the credentials are unusable (${credentials.reason}: ${credentials.message}). To let this object go anyway, set spec.deletionPolicy: Retain, or remove the finalizer: kubectl patch cffo ${object.metadata.name} --type=merge -p '{"metadata":{"finalizers":null}}'`;
      return settle(input, {
        conditions: [{ type: ConditionType.Ready, status: "False", reason: "DeletionBlocked", message }],
        events: [warningEvent("DeletionBlocked", "Delete", message)],
        requeueAfterMs: WAITING_ON_USER_RECHECK_MS,
      });
    }
    switch (observation.kind) {
      case "absent":
        return step(input, { kind: "removeFinalizer" });
      case "failed":
        return failed(input, observation.failure, "Delete");
      default:
        return step(input, {
          kind: "delete",
          event: normalEvent(
            "OriginDeleted",
            "Delete",
            `deleted the fallback origin of zone ${object.spec.zoneId}`,
          ),
        });
    }
  }

  if (conflict) {
    const message = `FallbackOrigin ${conflict.name} is older and already manages zone ${object.spec.zoneId}; this object touches nothing until that one is deleted`;
    return settle(input, {
      conditions: [
        { type: ConditionType.Ready, status: "False", reason: "Conflict", message },
        { type: ConditionType.Synced, status: "False", reason: "Conflict", message },
      ],
      events: [warningEvent("Conflict", "Sync", message)],
      requeueAfterMs: WAITING_ON_USER_RECHECK_MS,
    });
  }
  if (needsFinalizer && !hasFinalizer) return step(input, { kind: "addFinalizer" });
  if (!needsFinalizer && hasFinalizer) return step(input, { kind: "removeFinalizer" });

  if (credentials.kind === "problem") {
    const message = `the credentials cannot be used: ${credentials.message}`;
    return settle(input, {
      conditions: [
        { type: ConditionType.Ready, status: "False", reason: credentials.reason, message },
        { type: ConditionType.Synced, status: "False", reason: credentials.reason, message },
      ],
      events: [warningEvent(credentials.reason, "Verify", message)],
      requeueAfterMs: WAITING_ON_USER_RECHECK_MS,
    });
  }

  switch (observation.kind) {
    case "unobserved":
      return step(input, { kind: "observe" });
    case "failed":
      return failed(input, observation.failure, "Sync");
    case "absent":
      if (manage) return step(input, update(object, undefined));
      return settle(input, {
        originStatus: undefined,
        errors: [],
        conditions: [
          {
            type: ConditionType.Ready,
            status: "False",
            reason: "OriginNotSet",
            message: `zone ${object.spec.zoneId} has no fallback origin (managementPolicy Observe: set it in Cloudflare, or switch to Manage)`,
          },
          SYNCED,
        ],
        events: [],
        requeueAfterMs: WAITING_ON_USER_RECHECK_MS,
        synced: true,
      });
    case "found": {
      const origin = observation.origin;
      // Our own PUT's reply is taken as is: comparing it again could loop within one reconcile.
      if (manage && observation.source !== "update" && origin.origin !== object.spec.origin) {
        return step(input, update(object, origin.origin));
      }
      return settle(input, {
        originStatus:
          origin.status === undefined ? undefined : origin.status.slice(0, STATUS_WORD_MAX_LENGTH),
        errors: (origin.errors ?? [])
          .slice(0, MAX_STATUS_MESSAGES)
          .map((error) => error.slice(0, STATUS_TEXT_MAX_LENGTH)),
        conditions: [readiness(object, origin), SYNCED],
        events: [],
        requeueAfterMs: (conditions) => requeueFor(input, origin, conditions),
        synced: true,
      });
    }
  }
}

function readiness(object: FallbackOrigin, origin: CloudflareFallbackOrigin): ReasonedCondition {
  const status = origin.status ?? "unknown";
  const mismatch =
    origin.origin !== undefined && origin.origin !== object.spec.origin
      ? ` Cloudflare's origin is ${origin.origin}, not spec.origin ${object.spec.origin}${object.spec.managementPolicy === "Observe" ? " (managementPolicy Observe: left as is)" : ""}.`
      : "";
  if (status === "active") {
    return {
      type: ConditionType.Ready,
      status: "True",
      reason: "Active",
      message: `the fallback origin ${origin.origin ?? object.spec.origin} is active.${mismatch}`,
    };
  }
  const errors = origin.errors?.length ? ` Cloudflare says: ${origin.errors.join("; ")}` : "";
  return {
    type: ConditionType.Ready,
    status: "False",
    reason: pendingReasons[status] ?? "NotActive",
    message: `the fallback origin is ${status}; custom hostnames of this zone cannot validate until it is active.${errors}${mismatch}`,
  };
}

/**
 * Deployment usually takes seconds to minutes: look after 10 s, then after a quarter of the time it has been
 * pending so far (growing with it), at most every 10 minutes. Active: a long safety requeue.
 */
function requeueFor(
  input: FallbackOriginInput,
  origin: CloudflareFallbackOrigin,
  conditions: FallbackOriginStatus["conditions"],
): number {
  if (origin.status === "active") return ACTIVE_RECHECK_MS;
  const since = Date.parse(findCondition(conditions, ConditionType.Ready)?.lastTransitionTime ?? "");
  const pendingFor = Number.isNaN(since) ? 0 : input.now.getTime() - since;
  return Math.min(MAX_PENDING_REQUEUE_MS, Math.max(FIRST_PENDING_REQUEUE_MS, pendingFor / 4));
}

function update(object: FallbackOrigin, current: string | undefined): FallbackOriginAction {
  const note =
    current === undefined
      ? `set the fallback origin of zone ${object.spec.zoneId} to ${object.spec.origin}`
      : `changed the fallback origin of zone ${object.spec.zoneId} from ${current} to ${object.spec.origin}`;
  return { kind: "update", origin: object.spec.origin, event: normalEvent("OriginUpdated", "Update", note) };
}

function failed(
  input: FallbackOriginInput,
  failure: CloudflareFailure,
  action: "Sync" | "Delete",
): FallbackOriginDecision {
  return settle(input, reportFailure(failure, action, input.object.status?.originStatus !== undefined));
}

function step(input: FallbackOriginInput, action: FallbackOriginAction): FallbackOriginDecision {
  return { action, status: input.object.status ?? {}, events: [] };
}

interface Settlement {
  /** Present (even undefined) to replace the mirrored Cloudflare fields; absent keeps the last known ones. */
  originStatus?: string | undefined;
  errors?: string[];
  conditions: ReasonedCondition[];
  events: PlannedEvent[];
  requeueAfterMs: number | ((conditions: FallbackOriginStatus["conditions"]) => number);
  retry?: boolean;
  synced?: boolean;
}

function settle(input: FallbackOriginInput, settlement: Settlement): FallbackOriginDecision {
  const { object, now } = input;
  const previous = object.status ?? {};
  const generation = object.metadata.generation ?? 0;
  const conditions = applyConditions(previous.conditions, settlement.conditions, generation, now);
  const requeue =
    typeof settlement.requeueAfterMs === "number"
      ? settlement.requeueAfterMs
      : settlement.requeueAfterMs(conditions);
  const status: FallbackOriginStatus = {
    ...previous,
    ...("originStatus" in settlement && { originStatus: settlement.originStatus }),
    ...(settlement.errors && { errors: settlement.errors }),
    conditions,
    observedGeneration: generation,
  };
  // The origin is read on every reconcile (a restart included): only a change, or an hour, is worth a write.
  if (settlement.synced && renewsSyncStamp(previous, status, now)) status.lastSyncTime = kubeTime(now);
  return {
    status,
    events: settlement.events,
    requeueAfterMs: Math.max(MIN_CHECK_DELAY_MS, Math.round(requeue)),
    ...(settlement.retry && { retry: true }),
  };
}
