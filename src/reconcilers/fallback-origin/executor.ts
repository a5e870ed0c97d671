import type { Logger } from "pino";
import { ConditionType } from "../../api/conditions.ts";
import { FALLBACK_ORIGIN_PLURAL, type FallbackOrigin } from "../../api/fallback-origin.ts";
import { API_GROUP, API_VERSION } from "../../api/group.ts";
import { failureOf } from "../../cloudflare/errors.ts";
import { BudgetWaitAborted, type CloudflareClient, withRequestPriority } from "../../cloudflare/index.ts";
import type { KubeApiClient } from "../../kube/api-client.ts";
import type { ReconcileResult } from "../../kube/controller.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { Informer } from "../../kube/informer.ts";
import type { ResourceType } from "../../kube/resources.ts";
import { conditionIsTrue } from "../../kube/status-conditions.ts";
import type { CloudflareAccess } from "../../zones/cloudflare-access.ts";
import type { ConflictingClaim } from "../model.ts";
import { runSteps } from "../step-runner.ts";
import { decideFallbackOrigin } from "./decide.ts";
import { FALLBACK_ORIGIN_FINALIZER, type FallbackOriginAction, type OriginObservation } from "./types.ts";

export const fallbackOriginResource: ResourceType = {
  group: API_GROUP,
  version: API_VERSION,
  plural: FALLBACK_ORIGIN_PLURAL,
  kind: "FallbackOrigin",
  namespaced: false,
};

export interface FallbackOriginExecutorOptions {
  api: KubeApiClient;
  origins: Informer<FallbackOrigin>;
  access: CloudflareAccess;
  events: EventRecorder;
  logger: Logger;
  onState?: (name: string, zoneId: string, ready: boolean) => void;
  onGone?: (name: string) => void;
  now?: () => Date;
}

/** The older FallbackOrigin for the same zone, if any: it wins. */
export function olderOriginForZone(
  origins: FallbackOrigin[],
  object: FallbackOrigin,
): ConflictingClaim | undefined {
  const rank = (origin: FallbackOrigin) =>
    `${origin.metadata.creationTimestamp ?? ""}|${origin.metadata.name}`;
  const winner = origins
    .filter((origin) => origin.spec.zoneId === object.spec.zoneId && !origin.metadata.deletionTimestamp)
    .sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0))[0];
  return winner && winner.metadata.name !== object.metadata.name
    ? { kind: "FallbackOrigin", name: winner.metadata.name }
    : undefined;
}

/** Runs decideFallbackOrigin for one FallbackOrigin through the step runner. */
export class FallbackOriginExecutor {
  readonly #options: FallbackOriginExecutorOptions;

  constructor(options: FallbackOriginExecutorOptions) {
    this.#options = options;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const cached = this.#options.origins.get(key);
    if (!cached) {
      this.#options.onGone?.(key);
      return undefined;
    }
    const object: FallbackOrigin = {
      ...cached,
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "FallbackOrigin",
    };
    const conflict = olderOriginForZone(this.#options.origins.list(), object);
    const zoneAccess = conflict ? undefined : await this.#options.access.forOrigin(object);
    const credentials = zoneAccess?.state ?? { kind: "usable" as const };

    return runSteps({
      api: this.#options.api,
      resource: fallbackOriginResource,
      finalizer: FALLBACK_ORIGIN_FINALIZER,
      events: this.#options.events,
      log: this.#options.logger.child({ controller: "fallbackorigin", key }),
      object,
      observation: { kind: "unobserved" } as OriginObservation,
      decide: (current, observation) =>
        decideFallbackOrigin({ object: current, credentials, conflict, observation, now: this.#now() }),
      perform: (action, current) => {
        if (!zoneAccess?.client)
          throw new Error(`decision asked to ${action.kind} without Cloudflare access`);
        // A fallback origin is set or removed because a user asked: never held behind a rollout of hostnames.
        return withRequestPriority("urgent", () =>
          this.#perform(action, zoneAccess.client, current.spec.zoneId),
        );
      },
      settled: (current, decision) => {
        const ready = conditionIsTrue(decision.status.conditions, ConditionType.Ready);
        this.#options.onState?.(current.metadata.name, current.spec.zoneId, ready);
        return { originStatus: decision.status.originStatus };
      },
    });
  }

  async #perform(
    action: Exclude<FallbackOriginAction, { kind: "addFinalizer" | "removeFinalizer" }>,
    client: CloudflareClient,
    zoneId: string,
  ): Promise<{ observation: OriginObservation; succeeded: boolean }> {
    try {
      switch (action.kind) {
        case "observe": {
          try {
            const origin = await client.getFallbackOrigin(zoneId);
            return { observation: { kind: "found", origin, source: "get" }, succeeded: true };
          } catch (error) {
            if (failureOf(error).kind === "notFound")
              return { observation: { kind: "absent" }, succeeded: true };
            throw error;
          }
        }
        case "update": {
          const origin = await client.updateFallbackOrigin(zoneId, action.origin);
          return { observation: { kind: "found", origin, source: "update" }, succeeded: true };
        }
        case "delete": {
          await client.deleteFallbackOrigin(zoneId).catch((error: unknown) => {
            if (failureOf(error).kind !== "notFound") throw error;
          });
          return { observation: { kind: "absent" }, succeeded: true };
        }
      }
    } catch (error) {
      // Shutting down: no status is written for a call that never started.
      if (error instanceof BudgetWaitAborted) throw error;
      const failure = failureOf(error);
      if (failure.kind === "auth") this.#options.access.invalidate(client);
      return { observation: { kind: "failed", failure }, succeeded: false };
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }
}
