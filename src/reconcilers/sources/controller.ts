/**
 * The source controller as the manager registers it: one work queue of routes (HTTPRoutes, Ingresses: whichever
 * `--sources` enables), woken by the routes, by the CustomHostnames they generated or compete with, and by the
 * FallbackOrigins they name. It also tells each route's owner, through events on the route, when a generated
 * hostname becomes Ready or fails. See docs/sources.md.
 */
import type { CustomHostname } from "../../api/custom-hostname.ts";
import { FALLBACK_ORIGIN_ANNOTATION } from "../../api/sources.ts";
import { Controller, type Runnable } from "../../kube/controller.ts";
import { specOrLifecycleChanged } from "../../kube/predicates.ts";
import { apiVersionOf } from "../../kube/resources.ts";
import type { ControllerContext } from "../context.ts";
import { SourceClaims } from "./claims.ts";
import { SourceExecutor } from "./executor.ts";
import { participation, readinessEvent } from "./plan.ts";
import { parseRouteKey, type RouteSource, routeKey } from "./route-kinds.ts";

export const SOURCE_CONTROLLER = "source";

export function setupSourceController(context: ControllerContext, sources: RouteSource[]): Runnable {
  const { customHostnames, fallbackOrigins } = context.caches;
  const routes = new Map(sources.map((source) => [source.kind.resource.kind, source]));
  const claims = new SourceClaims(sources.map((source) => source.kind));
  const executor = new SourceExecutor({
    api: context.api,
    routes,
    origins: fallbackOrigins,
    claims,
    events: context.events,
    logger: context.logger,
  });
  const controller = new Controller({
    name: SOURCE_CONTROLLER,
    reconcile: (key) => executor.reconcile(key),
    workers: context.workers,
    observer: context.observer,
  });
  context.metrics.trackQueueDepth(SOURCE_CONTROLLER, () => controller.queue.depth);
  const enqueue = (key: string) => controller.queue.add(key);
  let started = false;

  for (const { kind, informer } of sources) {
    informer.onEvent((event) => {
      // The Gateway or Ingress controller writing the route's status changes nothing here.
      if (event.type === "updated" && !specOrLifecycleChanged(event.old, event.object)) return;
      const route = event.object;
      const key = routeKey(kind.resource.kind, route.metadata.namespace ?? "", route.metadata.name);
      enqueue(key);
      if (event.type === "resync") return;
      const taking = participation(kind, event.type === "deleted" ? undefined : route);
      // A route whose annotations turned invalid keeps what it claimed: nothing changes until they are fixed.
      if (taking.kind === "invalid") {
        claims.freeze(key);
        return;
      }
      const released = claims.setRouteClaims(
        key,
        route.metadata.creationTimestamp ?? "",
        taking.kind === "in" ? taking.hostnames : [],
      );
      for (const hostname of released) for (const other of claims.routesClaiming(hostname)) enqueue(other);
    });
  }

  customHostnames.onEvent((event) => {
    if (event.type === "deleted") claims.removeCustomHostname(event.object);
    else claims.upsertCustomHostname(event.object);
    if (event.type === "resync") return;
    if (event.type === "updated") {
      reportReadiness(event.old, event.object);
      if (!shapeChanged(event.old, event.object)) return;
      for (const key of claims.interestedIn(event.old)) enqueue(key);
    }
    for (const key of claims.interestedIn(event.object)) enqueue(key);
  });

  fallbackOrigins.onEvent((event) => {
    if (event.type !== "added" && event.type !== "deleted") return;
    for (const { kind, informer } of sources) {
      for (const route of informer.list()) {
        if (route.metadata.annotations?.[FALLBACK_ORIGIN_ANNOTATION]?.trim() === event.object.metadata.name) {
          enqueue(routeKey(kind.resource.kind, route.metadata.namespace ?? "", route.metadata.name));
        }
      }
    }
  });

  /** Events on the route as a generated hostname becomes Ready, or stops on a failure. Leader only. */
  function reportReadiness(old: CustomHostname, object: CustomHostname): void {
    if (!started) return;
    const owner = claims.ownerOf(object);
    const event = owner && readinessEvent(old, object);
    if (!owner || !event) return;
    const { kind, namespace, name } = parseRouteKey(owner);
    const source = routes.get(kind);
    const route = source?.informer.get(`${namespace}/${name}`);
    if (!source || !route) return;
    const regarding = { ...route, apiVersion: apiVersionOf(source.kind.resource), kind };
    void context.events.record(regarding, event.type, event.reason, event.action, event.note);
  }

  return {
    name: SOURCE_CONTROLLER,
    async start() {
      // Nothing to queue here: filling the caches queued every route, and every route that generated a
      // CustomHostname, including one deleted while no operator ran (its objects' `added` events name it).
      started = true;
      controller.start();
    },
    async stop() {
      started = false;
      await controller.stop();
    },
  };
}

/** A change the route must answer: its spec, our label and references, or the start of its deletion. */
function shapeChanged(old: CustomHostname, object: CustomHostname): boolean {
  return (
    old.metadata.generation !== object.metadata.generation ||
    old.metadata.deletionTimestamp !== object.metadata.deletionTimestamp ||
    JSON.stringify(old.metadata.labels) !== JSON.stringify(object.metadata.labels) ||
    JSON.stringify(old.metadata.ownerReferences) !== JSON.stringify(object.metadata.ownerReferences)
  );
}
