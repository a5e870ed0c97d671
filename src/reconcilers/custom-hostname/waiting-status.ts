/**
 * During a rollout thousands of CustomHostnames wait for a reconcile slot (and the request budget) before their
 * create. What their customers must put in DNS depends only on the spec and the FallbackOrigin, so a hostname
 * that has to wait gets its queued status at once from this writer: its own queue and workers, one status write
 * and no Cloudflare call per hostname (docs/reference.md, "The Cloudflare request budget").
 */
import type { CustomHostname } from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { isConflict, type KubeApiClient } from "../../kube/api-client.ts";
import { Controller, type ControllerObserver, type ReconcileResult } from "../../kube/controller.ts";
import { type Informer, objectKey } from "../../kube/informer.ts";
import { writeStatus } from "../../kube/resources.ts";
import type { WorkQueue } from "../../kube/work-queue.ts";
import type { CloudflareAccess } from "../../zones/cloudflare-access.ts";
import { type HostnameClaims, zoneThroughOrigin } from "./claims.ts";
import { statusWhileWaiting } from "./decide.ts";
import { type DnsWatch, dnsInput } from "./dns-watcher.ts";
import { customHostnameResource } from "./executor.ts";

export const WAITING_STATUS_CONTROLLER = "customhostname-waiting-status";

/** Status writes in flight: enough to keep pace with a GitOps sync applying objects, few for the API server. */
export const WAITING_STATUS_WORKERS = 8;

/** How soon a hostname whose credentials are not checked yet is looked at again. */
const CREDENTIALS_CHECK_WAIT_MS = 1_000;

export interface WaitingStatusOptions {
  api: KubeApiClient;
  hostnames: Informer<CustomHostname>;
  origins: Informer<FallbackOrigin>;
  claims: HostnameClaims;
  access: CloudflareAccess;
  /** The reconciles' queue: a hostname a reconcile holds or reaches at once needs nothing from here. */
  reconciles: WorkQueue;
  scheduleScale: number;
  /** The customers' DNS watch, when on: the status says what it knows, as the reconcile's would. */
  dns?: DnsWatch;
  observer?: ControllerObserver;
}

export class WaitingStatusWriter {
  readonly controller: Controller;
  readonly #options: WaitingStatusOptions;

  constructor(options: WaitingStatusOptions) {
    this.#options = options;
    this.controller = new Controller({
      name: WAITING_STATUS_CONTROLLER,
      reconcile: (key) => this.#write(key),
      workers: WAITING_STATUS_WORKERS,
      ...(options.observer && { observer: options.observer }),
    });
  }

  /** Call after the hostname was added to the reconciles' queue: it is taken when it has to wait there. */
  offer(hostname: CustomHostname): void {
    if (hostname.status?.requiredCNAME || hostname.metadata.deletionTimestamp) return;
    if (this.#options.reconciles.depth === 0) return;
    this.controller.queue.add(objectKey(hostname));
  }

  async #write(key: string): Promise<ReconcileResult | undefined> {
    const { hostnames, origins, claims, access, reconciles } = this.#options;
    const object = hostnames.get(key);
    // A reconcile holding it writes the status itself; this write would only make that one conflict.
    if (!object || reconciles.holds(key)) return undefined;
    const fallbackOrigin = origins.get(object.spec.fallbackOriginRef.name);
    if (!fallbackOrigin) return undefined;
    const credentials = access.knownState(fallbackOrigin);
    // Not checked yet: the first reconcile of the rollout checks them (this writer calls no Cloudflare API).
    if (!credentials) return { requeueAfterMs: CREDENTIALS_CHECK_WAIT_MS };
    // Unusable: the reconcile reports why.
    if (credentials.kind !== "usable") return undefined;
    const status = statusWhileWaiting({
      object,
      fallbackOrigin,
      credentials,
      conflict: claims.conflictFor(object, zoneThroughOrigin(origins)),
      observation: { kind: "unobserved" },
      now: new Date(),
      scheduleScale: this.#options.scheduleScale,
      dns: dnsInput(this.#options.dns, key),
    });
    if (!status) return undefined;
    try {
      await writeStatus(this.#options.api, customHostnameResource, object, status);
    } catch (error) {
      // The cached resourceVersion guards the write: a reconcile (or anyone) changed the object first.
      if (!isConflict(error)) throw error;
    }
    return undefined;
  }
}
