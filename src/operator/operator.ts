import { randomBytes } from "node:crypto";
import { hostname as machineName } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { CustomHostname } from "../api/custom-hostname.ts";
import type { FallbackOrigin } from "../api/fallback-origin.ts";
import { type CloudflareClient, RateLimiterRegistry } from "../cloudflare/index.ts";
import { KubeApiClient } from "../kube/api-client.ts";
import { Controller, type ControllerObserver } from "../kube/controller.ts";
import { EventRecorder } from "../kube/events.ts";
import { Informer, type InformerEvent, type KubeObject, objectKey } from "../kube/informer.ts";
import { LeaderElector } from "../kube/leader-election.ts";
import { collectionPath } from "../kube/resources.ts";
import { errorFields } from "../logging/logger.ts";
import { startObservabilityServer } from "../metrics/http-server.ts";
import { OperatorMetrics } from "../metrics/operator-metrics.ts";
import { HostnameClaims } from "../reconcilers/custom-hostname/claims.ts";
import { CustomHostnameExecutor, customHostnameResource } from "../reconcilers/custom-hostname/executor.ts";
import {
  FallbackOriginExecutor,
  fallbackOriginResource,
  olderOriginForZone,
} from "../reconcilers/fallback-origin/executor.ts";
import { CloudflareAccess, type SecretObject } from "../zones/cloudflare-access.ts";
import { type PolledZone, ZonePoller } from "../zones/zone-poller.ts";

export interface OperatorConfig {
  kubeConfig: KubeConfig;
  credentialsNamespace: string;
  cloudflareApiUrl: string;
  workers: number;
  leaderElect: boolean;
  /** Namespace of the leader-election Lease; the operator's own namespace. */
  leaderElectionNamespace: string;
  metricsAddress: string;
  pageSize: number;
  requestBudget: { requests: number; windowSeconds: number };
  zonePollIntervalMs: number;
  /** 1 in production; the demo and tests shrink Cloudflare's validation schedule to match an accelerated simulator. */
  validationScheduleScale: number;
  perObjectMetrics: boolean;
}

const reportingController = "cfsaas.dev/operator";

/** Did anything change that a reconcile should look at? Our own status writes must not wake us up again. */
function specOrLifecycleChanged(
  old: { metadata: Record<string, unknown> },
  object: { metadata: Record<string, unknown> },
) {
  const m = old.metadata;
  const n = object.metadata;
  return (
    m.generation !== n.generation ||
    m.deletionTimestamp !== n.deletionTimestamp ||
    JSON.stringify(m.finalizers) !== JSON.stringify(n.finalizers) ||
    JSON.stringify(m.annotations) !== JSON.stringify(n.annotations)
  );
}

/**
 * The whole operator: informers feed keys to two controllers (CustomHostname, FallbackOrigin) whose executors
 * run the pure decisions against Cloudflare; a zone poller refreshes every zone with one paged list; one
 * replica leads (Lease) when leader election is on; metrics and health are served throughout.
 */
export class Operator {
  readonly metrics: OperatorMetrics;
  readonly #config: OperatorConfig;
  readonly #logger: Logger;
  readonly #api: KubeApiClient;
  readonly #hostnames: Informer<CustomHostname>;
  readonly #origins: Informer<FallbackOrigin>;
  readonly #secrets: Informer<SecretObject>;
  readonly #claims = new HostnameClaims();
  /** The client each polled zone was listed with, for its rate-limit headroom. */
  readonly #pollClients = new Map<string, CloudflareClient>();
  readonly #poller: ZonePoller;
  readonly #access: CloudflareAccess;
  readonly #hostnameController: Controller;
  readonly #originController: Controller;
  readonly #elector: LeaderElector | undefined;
  get #informers(): Record<
    string,
    Pick<Informer<KubeObject>, "start" | "stop" | "hasSynced" | "waitForSync">
  > {
    return { Secret: this.#secrets, FallbackOrigin: this.#origins, CustomHostname: this.#hostnames };
  }

  #server: Awaited<ReturnType<typeof startObservabilityServer>> | undefined;
  #leading = false;

  constructor(config: OperatorConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#api = new KubeApiClient(config.kubeConfig);
    this.metrics = new OperatorMetrics({ perObjectSeries: config.perObjectMetrics });
    const informerError = (kind: string) => (error: unknown) =>
      logger.warn({ kind, ...errorFields(error) }, "list/watch failed; retrying");
    this.#hostnames = new Informer(this.#api, {
      path: collectionPath(customHostnameResource),
      onError: informerError("CustomHostname"),
    });
    this.#origins = new Informer(this.#api, {
      path: collectionPath(fallbackOriginResource),
      onError: informerError("FallbackOrigin"),
    });
    this.#secrets = new Informer(this.#api, {
      path: `/api/v1/namespaces/${config.credentialsNamespace}/secrets`,
      onError: informerError("Secret"),
    });
    const limiters = new RateLimiterRegistry({
      policy: {
        requests: config.requestBudget.requests,
        windowSeconds: config.requestBudget.windowSeconds,
        burst: Math.max(1, Math.min(20, Math.floor(config.requestBudget.requests / 10))),
      },
    });
    this.#access = new CloudflareAccess({
      secrets: this.#secrets,
      credentialsNamespace: config.credentialsNamespace,
      baseUrl: config.cloudflareApiUrl,
      limiters,
      perPage: config.pageSize,
      observer: (attempt) => this.metrics.cloudflareAttempt(attempt),
    });
    this.#poller = new ZonePoller({
      intervalMs: config.zonePollIntervalMs,
      zones: () => this.#zonesToPoll(),
      onRefreshed: (snapshot) => {
        logger.debug({ zoneId: snapshot.zoneId, hostnames: snapshot.byHostname.size }, "zone refreshed");
        for (const hostname of this.#hostnames.list()) {
          if (this.#origins.get(hostname.spec.fallbackOriginRef.name)?.spec.zoneId !== snapshot.zoneId)
            continue;
          // The snapshot can refresh what Cloudflare holds, and reveal an owned hostname deleted there. One that
          // was never created (waiting on a conflict, or refused by the plan) keeps its own requeue schedule.
          if (snapshot.byHostname.has(hostname.spec.hostname) || hostname.status?.hostnameId) {
            this.#hostnameController.queue.add(objectKey(hostname));
          }
        }
        const headroom = this.#pollClients.get(snapshot.zoneId)?.rateLimitHeadroom();
        if (headroom) {
          this.metrics.setRateLimitRemaining(
            snapshot.zoneId,
            headroom.server?.remaining ?? Math.floor(headroom.tokens),
          );
        }
      },
      onError: (zoneId, error) => logger.warn({ zoneId, ...errorFields(error) }, "zone poll failed"),
    });

    const identity = `${process.env.POD_NAME ?? machineName()}-${randomBytes(3).toString("hex")}`;
    const events = new EventRecorder(this.#api, {
      controller: reportingController,
      instance: identity,
      onError: (error) => logger.debug({ ...errorFields(error) }, "event not recorded"),
    });
    const hostnameExecutor = new CustomHostnameExecutor({
      api: this.#api,
      hostnames: this.#hostnames,
      origins: this.#origins,
      claims: this.#claims,
      access: this.#access,
      poller: this.#poller,
      events,
      logger,
      scheduleScale: config.validationScheduleScale,
      onState: (state) => this.metrics.setCustomHostnameState(state),
      onGone: (namespace, name) => this.metrics.forgetCustomHostname(namespace, name),
    });
    const originExecutor = new FallbackOriginExecutor({
      api: this.#api,
      origins: this.#origins,
      access: this.#access,
      events,
      logger,
      onState: (name, zoneId, ready) => this.metrics.setFallbackOriginReady(name, zoneId, ready),
      onGone: (name) => this.metrics.forgetFallbackOrigin(name),
    });
    const observer: ControllerObserver = {
      reconciled: (controller, key, outcome, seconds, error) => {
        this.metrics.reconciled(controller, key, outcome, seconds);
        if (error) logger.warn({ controller, key, outcome, ...errorFields(error) }, "reconcile failed");
      },
      retried: (controller) => this.metrics.retried(controller),
    };
    this.#hostnameController = new Controller({
      name: "customhostname",
      reconcile: (key) => hostnameExecutor.reconcile(key),
      workers: config.workers,
      observer,
    });
    this.#originController = new Controller({
      name: "fallbackorigin",
      reconcile: (key) => originExecutor.reconcile(key),
      workers: Math.max(1, Math.min(2, config.workers)),
      observer,
    });
    this.metrics.trackQueueDepth("customhostname", () => this.#hostnameController.queue.depth);
    this.metrics.trackQueueDepth("fallbackorigin", () => this.#originController.queue.depth);
    this.#elector = config.leaderElect
      ? new LeaderElector(this.#api, {
          namespace: config.leaderElectionNamespace,
          name: "cfsaas-operator",
          identity,
          onError: (error) => logger.warn({ ...errorFields(error) }, "leader election request failed"),
        })
      : undefined;
    this.#wireEvents();
  }

  /** Informers synced; the readiness probe. A standby replica is ready too: it is ready to take over. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons = Object.entries(this.#informers)
      .filter(([, informer]) => !informer.hasSynced)
      .map(([kind]) => `${kind} informer not synced`);
    return { ready: reasons.length === 0, reasons };
  }

  /**
   * Starts serving health, fills the caches, and (once leading, with leader election) starts reconciling.
   * Resolves with a signal that aborts if leadership is later lost.
   */
  async start(): Promise<AbortSignal | undefined> {
    this.#server = await startObservabilityServer({
      address: this.#config.metricsAddress,
      metrics: this.metrics,
      readiness: () => this.readiness(),
    });
    this.#logger.info({ url: this.#server.url }, "serving metrics and health");
    for (const informer of Object.values(this.#informers)) informer.start();
    await Promise.all(Object.values(this.#informers).map((informer) => informer.waitForSync()));
    this.#logger.info(
      { customHostnames: this.#hostnames.list().length, fallbackOrigins: this.#origins.list().length },
      "caches synced",
    );
    let lost: AbortSignal | undefined;
    if (this.#elector) {
      this.#logger.info("waiting for leadership");
      lost = await this.#elector.acquire();
      if (!lost) return undefined;
      this.#logger.info("became leader");
    }
    this.#leading = true;
    // One paged list per zone before reconciling, so a restart does not cost one GET per hostname.
    await this.#poller.start();
    this.#originController.start();
    this.#hostnameController.start();
    for (const origin of this.#origins.list()) this.#originController.queue.add(objectKey(origin));
    for (const hostname of this.#hostnames.list()) this.#hostnameController.queue.add(objectKey(hostname));
    return lost;
  }

  /** Finishes the reconciles in flight, releases the Lease, stops watching and serving. */
  async stop(): Promise<void> {
    this.#leading = false;
    await Promise.all([this.#hostnameController.stop(), this.#originController.stop()]);
    await this.#poller.stop();
    await this.#elector?.release();
    for (const informer of Object.values(this.#informers)) informer.stop();
    await this.#server?.close();
  }

  get serverUrl(): string | undefined {
    return this.#server?.url;
  }

  async #zonesToPoll(): Promise<PolledZone[]> {
    const referenced = new Set(
      this.#hostnames.list().map((hostname) => hostname.spec.fallbackOriginRef.name),
    );
    const zones: PolledZone[] = [];
    const seen = new Set<string>();
    const origins = this.#origins.list();
    for (const origin of origins) {
      if (!referenced.has(origin.metadata.name) || seen.has(origin.spec.zoneId)) continue;
      if (olderOriginForZone(origins, origin)) continue;
      const access = await this.#access.forOrigin(origin);
      if (!access.client) continue;
      seen.add(origin.spec.zoneId);
      zones.push({ zoneId: origin.spec.zoneId, client: access.client });
      this.#pollClients.set(origin.spec.zoneId, access.client);
    }
    return zones;
  }

  #enqueueHostnamesOf(originName: string): void {
    for (const hostname of this.#hostnames.list()) {
      if (hostname.spec.fallbackOriginRef.name === originName)
        this.#hostnameController.queue.add(objectKey(hostname));
    }
  }

  #wireEvents(): void {
    this.#hostnames.onEvent((event: InformerEvent<CustomHostname>) => {
      if (event.type === "deleted") {
        this.#claims.remove(event.object);
        // A claimant that lost to this one may now own the hostname.
        for (const other of this.#hostnames.list()) {
          if (other.spec.hostname === event.object.spec.hostname)
            this.#hostnameController.queue.add(objectKey(other));
        }
      } else {
        this.#claims.upsert(event.object);
      }
      if (event.type === "updated" && !specOrLifecycleChanged(event.old, event.object)) return;
      this.#hostnameController.queue.add(objectKey(event.object));
    });
    this.#origins.onEvent((event: InformerEvent<FallbackOrigin>) => {
      if (event.type === "updated" && !specOrLifecycleChanged(event.old, event.object)) return;
      this.#originController.queue.add(objectKey(event.object));
      if (event.type === "deleted") {
        for (const other of this.#origins.list()) {
          if (other.spec.zoneId === event.object.spec.zoneId)
            this.#originController.queue.add(objectKey(other));
        }
      }
      if (event.type !== "resync") this.#enqueueHostnamesOf(event.object.metadata.name);
    });
    this.#secrets.onEvent((event: InformerEvent<SecretObject>) => {
      if (event.type === "resync") return;
      for (const origin of this.#origins.list()) {
        if (origin.spec.credentialsRef.name !== event.object.metadata.name) continue;
        this.#originController.queue.add(objectKey(origin));
        this.#enqueueHostnamesOf(origin.metadata.name);
      }
    });
  }

  get leading(): boolean {
    return this.#leading;
  }
}
