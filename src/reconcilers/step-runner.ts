import type { Logger } from "pino";
import type { Condition } from "../api/conditions.ts";
import { ConditionType } from "../api/conditions.ts";
import type { CloudflareFailure } from "../cloudflare/errors.ts";
import { collectRequestIds } from "../cloudflare/request-ids.ts";
import type { KubeApiClient } from "../kube/api-client.ts";
import type { ReconcileResult } from "../kube/controller.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { KubeObject } from "../kube/informer.ts";
import { type ResourceType, setFinalizer, writeStatus } from "../kube/resources.ts";
import { findCondition } from "../kube/status-conditions.ts";
import { type Decision, type PlannedEvent, RetryLater } from "./model.ts";

type FinalizerAction = { kind: "addFinalizer" } | { kind: "removeFinalizer" };

export interface StepRunnerOptions<
  O extends KubeObject & { status?: S },
  S extends { conditions?: Condition[] },
  A extends { kind: string },
  Observation,
> {
  api: KubeApiClient;
  resource: ResourceType;
  finalizer: string;
  events: EventRecorder;
  log: Logger;
  object: O;
  observation: Observation;
  decide(object: O, observation: Observation): Decision<S, A>;
  /**
   * Performs a Cloudflare step and returns what it observed (a failure included: it is for the decision to
   * judge), and whether the step itself succeeded, which records its event.
   */
  perform(
    action: Exclude<A, FinalizerAction>,
    object: O,
  ): Promise<{ observation: Observation; succeeded: boolean }>;
  /** Fields for the one log line that sums the reconcile up, and the hook for metrics. */
  settled(object: O, decision: Decision<S, A>): Record<string, unknown>;
}

/** Decisions are pure and converge; a loop that keeps asking for steps is a bug, not a reason to spin. */
const maxStepsPerReconcile = 8;

const isFinalizerAction = (action: { kind: string }): action is FinalizerAction =>
  action.kind === "addFinalizer" || action.kind === "removeFinalizer";

/**
 * Runs one reconcile's decisions: asks the decision for its next step, performs it (finalizer patches here,
 * Cloudflare calls through `perform`), folds the outcome back in and asks again, until only the status write
 * remains. Steps that change Cloudflare carry the event recorded once they succeed.
 */
export async function runSteps<
  O extends KubeObject & { status?: S },
  S extends { conditions?: Condition[] },
  A extends { kind: string; event?: PlannedEvent },
  Observation,
>(options: StepRunnerOptions<O, S, A, Observation>): Promise<ReconcileResult | undefined> {
  const { api, resource, events, log } = options;
  let { object, observation } = options;
  const record = (event: PlannedEvent) =>
    void events.record(object, event.type, event.reason, event.action, event.note);
  const steps: string[] = [];
  /** The cf-ray ids of this reconcile's Cloudflare requests, quoted in its log line for Cloudflare support. */
  const cfRays: string[] = [];

  for (let step = 0; step < maxStepsPerReconcile; step++) {
    const decision = options.decide(object, observation);
    const action = decision.action;
    if (!action) {
      const statusWritten = await writeStatus(api, resource, object, decision.status);
      for (const event of decision.events) record(event);
      const ready = findCondition(decision.status.conditions, ConditionType.Ready);
      log.info(
        {
          steps,
          ...(cfRays.length > 0 ? { cfRays } : {}),
          statusWritten,
          ...options.settled(object, decision),
          ready: ready?.status,
          reason: ready?.reason,
          requeueAfterMs: decision.requeueAfterMs,
        },
        "reconciled",
      );
      if (decision.retry) {
        const synced = findCondition(decision.status.conditions, ConditionType.Synced);
        throw new RetryLater(synced?.message || ready?.message || "retrying");
      }
      return { requeueAfterMs: decision.requeueAfterMs };
    }
    steps.push(action.kind);
    if (isFinalizerAction(action)) {
      const updated = await setFinalizer(
        api,
        resource,
        object,
        options.finalizer,
        action.kind === "addFinalizer",
      );
      if (action.kind === "removeFinalizer") {
        for (const event of decision.events) record(event);
        log.info({ steps, ...(cfRays.length > 0 ? { cfRays } : {}) }, "released");
        return undefined;
      }
      if (updated) object = { ...object, ...(updated as O) };
      continue;
    }
    const outcome = await collectRequestIds(cfRays, () =>
      options.perform(action as Exclude<A, FinalizerAction>, object),
    );
    observation = outcome.observation;
    const failure = (observation as { kind?: string; failure?: CloudflareFailure }).failure;
    if (failure) {
      log.warn(
        {
          step: action.kind,
          errorKind: failure.kind,
          cloudflareCodes: failure.codes,
          cfRay: failure.requestId,
          error: failure.message,
        },
        "Cloudflare call failed",
      );
    }
    if (action.event && outcome.succeeded) record(action.event);
  }
  throw new Error(`reconcile did not settle after ${maxStepsPerReconcile} steps: ${steps.join(", ")}`);
}
