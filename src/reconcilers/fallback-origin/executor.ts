import type { Logger } from "pino";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { API_GROUP, API_VERSION } from "../../api/group.ts";
import type { CloudflareClient } from "../../cloudflare/index.ts";
import type { KubeApiClient } from "../../kube/api-client.ts";
import type { ReconcileResult } from "../../kube/controller.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { Informer } from "../../kube/informer.ts";
import { type ResourceType, setFinalizer, writeStatus } from "../../kube/resources.ts";
import { type CloudflareAccess, failureOf } from "../../zones/cloudflare-access.ts";
import { type ConflictingClaim, RetryLater } from "../model.ts";
import { decideFallbackOrigin } from "./decide.ts";
import { FALLBACK_ORIGIN_FINALIZER, type FallbackOriginAction, type OriginObservation } from "./types.ts";

export const fallbackOriginResource: ResourceType = {
  group: API_GROUP,
  version: API_VERSION,
  plural: "fallbackorigins",
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

const maxStepsPerReconcile = 6;

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

/** Runs decideFallbackOrigin for one FallbackOrigin, one step at a time (see the CustomHostname executor). */
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
    let object: FallbackOrigin = {
      ...cached,
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "FallbackOrigin",
    };
    const conflict = olderOriginForZone(this.#options.origins.list(), object);
    const zoneAccess = conflict ? undefined : await this.#options.access.forOrigin(object);
    const credentials = zoneAccess?.state ?? { kind: "usable" as const };
    const client = zoneAccess?.client;
    let observation: OriginObservation = { kind: "unobserved" };
    const log = this.#options.logger.child({ controller: "fallbackorigin", key });
    const steps: string[] = [];

    for (let step = 0; step < maxStepsPerReconcile; step++) {
      const decision = decideFallbackOrigin({ object, credentials, conflict, observation, now: this.#now() });
      const action = decision.action;
      if (!action) {
        const written = await writeStatus(this.#options.api, fallbackOriginResource, object, decision.status);
        for (const event of decision.events) {
          void this.#options.events.record(object, event.type, event.reason, event.action, event.note);
        }
        const ready = decision.status.conditions?.find((c) => c.type === "Ready");
        this.#options.onState?.(object.metadata.name, object.spec.zoneId, ready?.status === "True");
        log.info(
          {
            steps,
            statusWritten: written,
            originStatus: decision.status.originStatus,
            ready: ready?.status,
            reason: ready?.reason,
            requeueAfterMs: decision.requeueAfterMs,
          },
          "reconciled",
        );
        if (decision.retry) throw new RetryLater(ready?.message || "retrying");
        return { requeueAfterMs: decision.requeueAfterMs };
      }
      steps.push(action.kind);
      if (action.kind === "addFinalizer" || action.kind === "removeFinalizer") {
        const updated = await setFinalizer(
          this.#options.api,
          fallbackOriginResource,
          object,
          FALLBACK_ORIGIN_FINALIZER,
          action.kind === "addFinalizer",
        );
        if (action.kind === "removeFinalizer") {
          for (const event of decision.events) {
            void this.#options.events.record(object, event.type, event.reason, event.action, event.note);
          }
          return undefined;
        }
        if (updated) object = { ...object, ...(updated as FallbackOrigin) };
        continue;
      }
      if (!client) throw new Error(`decision asked to ${action.kind} without Cloudflare access`);
      observation = await this.#perform(action, client, object);
    }
    throw new Error(`reconcile of ${key} did not settle after ${maxStepsPerReconcile} steps`);
  }

  async #perform(
    action: Exclude<FallbackOriginAction, { kind: "addFinalizer" | "removeFinalizer" }>,
    client: CloudflareClient,
    object: FallbackOrigin,
  ): Promise<OriginObservation> {
    const zoneId = object.spec.zoneId;
    try {
      switch (action.kind) {
        case "observe": {
          try {
            return { kind: "found", origin: await client.getFallbackOrigin(zoneId), source: "get" };
          } catch (error) {
            if (failureOf(error).kind === "notFound") return { kind: "absent" };
            throw error;
          }
        }
        case "update": {
          const origin = await client.updateFallbackOrigin(zoneId, action.origin);
          void this.#options.events.record(
            object,
            action.event.type,
            action.event.reason,
            action.event.action,
            action.event.note,
          );
          return { kind: "found", origin, source: "update" };
        }
        case "delete": {
          await client.deleteFallbackOrigin(zoneId).catch((error: unknown) => {
            if (failureOf(error).kind !== "notFound") throw error;
          });
          void this.#options.events.record(
            object,
            action.event.type,
            action.event.reason,
            action.event.action,
            action.event.note,
          );
          return { kind: "absent" };
        }
      }
    } catch (error) {
      const failure = failureOf(error);
      if (failure.kind === "auth") this.#options.access.invalidate(client);
      return { kind: "failed", failure };
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }
}
