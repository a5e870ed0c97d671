/**
 * What the manager (src/operator) hands every controller when it registers: the shared caches and clients. Each
 * kind's `controller.ts` takes it, wires its own event handlers and returns the Runnable the manager starts.
 */
import type { Logger } from "pino";
import type { CustomHostname } from "../api/custom-hostname.ts";
import type { FallbackOrigin } from "../api/fallback-origin.ts";
import type { KubeApiClient } from "../kube/api-client.ts";
import type { ControllerObserver } from "../kube/controller.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { Informer } from "../kube/informer.ts";
import type { OperatorMetrics } from "../metrics/operator-metrics.ts";
import type { CloudflareAccess, SecretObject } from "../zones/cloudflare-access.ts";

/** The informers' caches every controller reads (and subscribes to); filled before any controller starts. */
export interface SharedCaches {
  customHostnames: Informer<CustomHostname>;
  fallbackOrigins: Informer<FallbackOrigin>;
  /** The credentials Secrets: only those of the operator's credentials namespace. */
  secrets: Informer<SecretObject>;
}

export interface ControllerContext {
  api: KubeApiClient;
  caches: SharedCaches;
  access: CloudflareAccess;
  events: EventRecorder;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Reconcile metrics and failure logs, the same for every controller. */
  observer: ControllerObserver;
  /** Concurrent reconciles per controller (a controller may use fewer). */
  workers: number;
}
