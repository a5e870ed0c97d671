/**
 * The FallbackOrigin controller as the manager registers it: its own objects, the other origins of a zone (one
 * deleted may let an older-losing one take the zone over) and the credentials Secrets the origins name.
 */
import { Controller, type Runnable } from "../../kube/controller.ts";
import { objectKey } from "../../kube/informer.ts";
import { specOrLifecycleChanged } from "../../kube/predicates.ts";
import type { ControllerContext } from "../context.ts";
import { FallbackOriginExecutor } from "./executor.ts";

export const FALLBACK_ORIGIN_CONTROLLER = "fallbackorigin";

/** Origins are few (one per SaaS zone): two workers keep one slow zone from holding up the rest. */
const maxWorkers = 2;

export function setupFallbackOriginController(context: ControllerContext): Runnable {
  const { caches, metrics } = context;
  const { fallbackOrigins, secrets } = caches;
  const executor = new FallbackOriginExecutor({
    api: context.api,
    origins: fallbackOrigins,
    access: context.access,
    events: context.events,
    logger: context.logger,
    onState: (name, zoneId, ready) => metrics.setFallbackOriginReady(name, zoneId, ready),
    onGone: (name) => metrics.forgetFallbackOrigin(name),
  });
  const controller = new Controller({
    name: FALLBACK_ORIGIN_CONTROLLER,
    reconcile: (key) => executor.reconcile(key),
    workers: Math.max(1, Math.min(maxWorkers, context.workers)),
    observer: context.observer,
  });
  metrics.trackQueueDepth(FALLBACK_ORIGIN_CONTROLLER, () => controller.queue.depth);

  fallbackOrigins.onEvent((event) => {
    if (event.type === "updated" && !specOrLifecycleChanged(event.old, event.object)) return;
    controller.queue.add(objectKey(event.object));
    if (event.type === "deleted") {
      for (const other of fallbackOrigins.list()) {
        if (other.spec.zoneId === event.object.spec.zoneId) controller.queue.add(objectKey(other));
      }
    }
  });
  secrets.onEvent((event) => {
    if (event.type === "resync") return;
    for (const origin of fallbackOrigins.list()) {
      if (origin.spec.credentialsRef.name === event.object.metadata.name)
        controller.queue.add(objectKey(origin));
    }
  });

  return {
    name: FALLBACK_ORIGIN_CONTROLLER,
    async start() {
      controller.start();
      for (const origin of fallbackOrigins.list()) controller.queue.add(objectKey(origin));
    },
    stop: () => controller.stop(),
  };
}
