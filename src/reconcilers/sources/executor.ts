import type { Logger } from "pino";
import type { CustomHostname } from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { Reason } from "../../api/reasons.ts";
import { isConflict, isNotFound, type KubeApiClient } from "../../kube/api-client.ts";
import type { ReconcileResult } from "../../kube/controller.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { Informer } from "../../kube/informer.ts";
import { apiVersionOf, collectionPath, objectPath } from "../../kube/resources.ts";
import { customHostnameResource } from "../custom-hostname/executor.ts";
import type { PlannedEvent } from "../model.ts";
import type { SourceClaims } from "./claims.ts";
import { listNames, planRoute, type SourceWrite } from "./plan.ts";
import { parseRouteKey, type RouteSource } from "./route-kinds.ts";

export interface SourceExecutorOptions {
  api: KubeApiClient;
  /** The enabled sources, by route kind (`HTTPRoute`, `Ingress`). */
  routes: ReadonlyMap<string, RouteSource>;
  origins: Informer<FallbackOrigin>;
  claims: SourceClaims;
  events: EventRecorder;
  logger: Logger;
}

/** Writes in flight at once: a route with hundreds of hostnames converges quickly without flooding the API server. */
const concurrentWrites = 8;

async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A create that found the name taken means the cache has not seen an earlier create yet: look again soon. */
const cacheCatchUpMs = 1_000;

/**
 * Reconciles one route: plans from the caches, performs the writes (a few at a time), and reports on the route
 * what was done. Routes are only read; a failed write is retried with backoff after the others have been made.
 */
export class SourceExecutor {
  readonly #options: SourceExecutorOptions;

  constructor(options: SourceExecutorOptions) {
    this.#options = options;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const { kind: kindName, namespace, name } = parseRouteKey(key);
    const source = this.#options.routes.get(kindName);
    if (!source) return undefined;
    const { kind, informer } = source;
    const cached = informer.get(`${namespace}/${name}`);
    const route = cached && { ...cached, apiVersion: apiVersionOf(kind.resource), kind: kind.resource.kind };
    const { claims, origins } = this.#options;
    const plan = planRoute({
      kind,
      route,
      generated: claims.generatedBy(key),
      fallbackOriginExists: (origin) => origins.get(origin) !== undefined,
      claimFor: (hostname) => claims.claimFor(key, namespace, hostname),
      hasSuccessor: (hostname) => claims.successorIn(key, namespace, hostname) !== undefined,
    });
    const succeeded = new Set<SourceWrite>();
    const failures: unknown[] = [];
    let behind = false;
    await forEachConcurrently(plan.writes, concurrentWrites, async (write) => {
      try {
        if (await this.#perform(write, key)) succeeded.add(write);
      } catch (error) {
        // The cache is behind the object (a name taken by a create it has not seen, a resourceVersion moved on
        // by a status write): look again shortly, without the backoff of a failure.
        if (isConflict(error)) behind = true;
        else failures.push(error);
      }
    });
    const done = plan.writes.filter((write) => succeeded.has(write));
    if (route) {
      for (const event of [...plan.events, ...reportWrites(done)]) {
        void this.#options.events.record(route, event.type, event.reason, event.action, event.note);
      }
    }
    this.#options.logger.info(
      {
        controller: "source",
        key,
        created: count(done, "create"),
        updated: count(done, "update"),
        deleted: count(done, "delete"),
        failed: failures.length,
        problems: plan.events.map((event) => event.reason),
      },
      "reconciled route",
    );
    if (failures.length > 0) throw failures[0];
    return behind ? { requeueAfterMs: cacheCatchUpMs } : undefined;
  }

  /** Performs one write; false when there was nothing left to do (already gone, or no longer this route's). */
  async #perform(write: SourceWrite, route: string): Promise<boolean> {
    const { api } = this.#options;
    const { object } = write;
    switch (write.kind) {
      case "create":
        await api.request("POST", collectionPath(customHostnameResource, object.metadata.namespace), {
          body: object,
        });
        return true;
      case "update":
        // The cached resourceVersion makes this a compare-and-swap: a concurrent edit is a 409 and a retry.
        await api.request("PUT", objectPath(customHostnameResource, object), { body: object });
        return true;
      case "delete":
        return this.#deleteIfStillOwned(object, route);
    }
  }

  /**
   * Deletes a generated CustomHostname only if it still belongs to `route`: guarded by uid and resourceVersion,
   * and when the cached version is stale (its controller writes status all the time), read again once.
   */
  async #deleteIfStillOwned(object: CustomHostname, route: string): Promise<boolean> {
    const { api, claims } = this.#options;
    const path = objectPath(customHostnameResource, object);
    let current = object;
    for (let attempt = 0; ; attempt++) {
      try {
        await api.request("DELETE", path, {
          body: {
            apiVersion: "v1",
            kind: "DeleteOptions",
            preconditions: { uid: current.metadata.uid, resourceVersion: current.metadata.resourceVersion },
          },
        });
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        if (!isConflict(error) || attempt > 0) throw error;
      }
      try {
        current = await api.request<CustomHostname>("GET", path);
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
      if (current.metadata.uid !== object.metadata.uid || claims.ownerOf(current) !== route) return false;
      if (current.metadata.deletionTimestamp) return false;
    }
  }
}

function count(writes: SourceWrite[], kind: SourceWrite["kind"]): number {
  return writes.filter((write) => write.kind === kind).length;
}

const described = (object: CustomHostname) => `${object.spec.hostname} (${object.metadata.name})`;

/** One event per kind of write, however many hostnames it touched. */
function reportWrites(done: SourceWrite[]): PlannedEvent[] {
  const events: PlannedEvent[] = [];
  const of = <K extends SourceWrite["kind"]>(kind: K) =>
    done.filter((write): write is Extract<SourceWrite, { kind: K }> => write.kind === kind);
  const created = of("create");
  if (created.length > 0) {
    events.push({
      type: "Normal",
      reason: Reason.Created,
      action: "Create",
      note: `created ${created.length} CustomHostname(s): ${listNames(created.map((write) => described(write.object)))}`,
    });
  }
  const updated = of("update");
  if (updated.length > 0) {
    const notes = updated.map(
      (write) =>
        `${described(write.object)}${write.takeover ? " taken over from the route that dropped it" : ""}: ${write.fields.join(", ")}`,
    );
    events.push({
      type: "Normal",
      reason: Reason.Updated,
      action: "Update",
      note: `set ${updated.length} CustomHostname(s) to the route's annotations: ${listNames(notes)}`,
    });
  }
  const deleted = of("delete");
  if (deleted.length > 0) {
    events.push({
      type: "Normal",
      reason: Reason.HostnameRemoved,
      action: "Delete",
      note:
        `deleted ${deleted.length} CustomHostname(s) no longer declared: ` +
        `${listNames(deleted.map((write) => `${described(write.object)}, deletionPolicy ${write.object.spec.deletionPolicy}`))}`,
    });
  }
  return events;
}
