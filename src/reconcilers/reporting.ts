import { isDeepStrictEqual } from "node:util";
/** The pieces both reconcilers report with: the Synced condition, events, and conditions folded into status. */

import type { Condition } from "../api/conditions.ts";
import { ConditionType } from "../api/conditions.ts";
import type { Reason } from "../api/reasons.ts";
import { type ConditionUpdate, setCondition } from "../kube/status-conditions.ts";
import type { PlannedEvent } from "./model.ts";

/** A condition update whose reason is one of the operator's vocabulary (docs/reference.md). */
export type ReasonedCondition = ConditionUpdate & { reason: Reason };

export const SYNCED: ReasonedCondition = {
  type: ConditionType.Synced,
  status: "True",
  reason: "Synced",
  message: "Cloudflare was read or written successfully",
};

/** Applies updates in order; condition types this controller does not set keep their place and content. */
export function applyConditions(
  previous: readonly Condition[] | undefined,
  updates: readonly ReasonedCondition[],
  observedGeneration: number,
  now: Date,
): Condition[] {
  return updates.reduce(
    (list, update) => setCondition(list, update, observedGeneration, now),
    [...(previous ?? [])],
  );
}

/** How often a lastSyncTime is renewed by reads that change nothing else in the status. */
export const SYNC_STAMP_RENEW_MS = 60 * 60_000;

/**
 * lastSyncTime records a successful exchange with Cloudflare. A read that changes nothing else renews it only
 * hourly: stamping it on every look would rewrite every object on every zone poll or restart.
 */
export function renewsSyncStamp<S extends { lastSyncTime?: string }>(
  previous: S,
  next: S,
  now: Date,
): boolean {
  if (!previous.lastSyncTime) return true;
  if (now.getTime() - Date.parse(previous.lastSyncTime) >= SYNC_STAMP_RENEW_MS) return true;
  const withoutStamp = (status: S) => JSON.parse(JSON.stringify({ ...status, lastSyncTime: 0 }));
  return !isDeepStrictEqual(withoutStamp(previous), withoutStamp(next));
}

export function normalEvent(reason: Reason, action: string, note: string): PlannedEvent {
  return { type: "Normal", reason, action, note };
}

export function warningEvent(reason: Reason, action: string, note: string): PlannedEvent {
  return { type: "Warning", reason, action, note };
}
