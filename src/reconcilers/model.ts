/**
 * The contract between the pure decision functions (each kind's `decide.ts`) and the executors that run them. A
 * decision sees a snapshot of the world and names at most one next step; the executor performs it, folds its
 * outcome back into the snapshot and asks again, until the decision needs nothing more and only status remains.
 * Because a decision reads only its input, a crash between any two steps converges: the next reconcile
 * gathers the world again and arrives at the same next step.
 */

import type { Reason } from "../api/reasons.ts";
import type { EventType } from "../kube/events.ts";

export interface PlannedEvent {
  type: EventType;
  reason: Reason;
  /** What the controller did or tried: Create, Adopt, Update, Delete, Verify, … */
  action: string;
  note: string;
}

/** An object that already claims the same Cloudflare resource and is older, so it wins. */
export interface ConflictingClaim {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Decision<Status, Action> {
  /** The one next step, or none: then `status` is final for this reconcile. */
  action?: Action;
  /** The status to write if the executor stops here (always complete: the executor writes it whole). */
  status: Status;
  events: PlannedEvent[];
  /** When to look again although nothing changed (validation schedule, waiting on Cloudflare). */
  requeueAfterMs?: number;
  /**
   * The reconcile failed and must be retried with backoff (after the status above is written). Set for
   * transient failures; unset for conditions only the user can fix, which wait for a spec or Secret change.
   */
  retry?: boolean;
}

/** Thrown by an executor after it wrote the status of a failed reconcile, so the work queue backs the key off. */
export class RetryLater extends Error {
  override name = "RetryLater";
}
