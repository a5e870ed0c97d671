import { randomBytes } from "node:crypto";
import { hostname as machineName } from "node:os";
import type { Logger } from "pino";
import type { CustomHostname } from "../api/custom-hostname.ts";
import type { FallbackOrigin } from "../api/fallback-origin.ts";
import type { SourceName } from "../api/sources.ts";
import { RateLimiterRegistry } from "../cloudflare/index.ts";
import { DnsResolver, type DnsServer, systemDnsServers } from "../dns/resolver.ts";
import { isNotFound, KubeApiClient } from "../kube/api-client.ts";
import type { KubeConnection } from "../kube/connection.ts";
import type { ControllerObserver, Runnable } from "../kube/controller.ts";
import { EventRecorder } from "../kube/events.ts";
import { Informer } from "../kube/informer.ts";
import { LeaderElector } from "../kube/leader-election.ts";
import { apiVersionOf, collectionPath } from "../kube/resources.ts";
import { errorFields } from "../logging/logger.ts";
import { startObservabilityServer } from "../metrics/http-server.ts";
import { OperatorMetrics } from "../metrics/operator-metrics.ts";
import type { ControllerContext, SharedCaches } from "../reconcilers/context.ts";
import { setupCustomHostnameController } from "../reconcilers/custom-hostname/controller.ts";
import { customHostnameResource } from "../reconcilers/custom-hostname/executor.ts";
import { setupFallbackOriginController } from "../reconcilers/fallback-origin/controller.ts";
import { fallbackOriginResource } from "../reconcilers/fallback-origin/executor.ts";
import { setupSourceController } from "../reconcilers/sources/controller.ts";
import { type RouteObject, type RouteSource, routeKinds } from "../reconcilers/sources/route-kinds.ts";
import { CloudflareAccess, type SecretObject } from "../zones/cloudflare-access.ts";

export interface OperatorConfig {
  kube: KubeConnection;
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
  /** Kinds of route to generate CustomHostnames from (docs/sources.md); none by default. */
  sources: readonly SourceName[];
  /** Watch the customers' DNS (docs/reference.md#watching-the-customers-dns); undefined when turned off. */
  dnsWatch: DnsWatchConfig | undefined;
}

export interface DnsWatchConfig {
  /** The recursive resolvers to ask; undefined: the system's (/etc/resolv.conf). */
  servers: DnsServer[] | undefined;
  timeoutMs: number;
  concurrency: number;
  pendingIntervalMs: number;
  readyIntervalMs: number;
  refreshThresholdMs: number;
  refreshIntervalMs: number;
}

const reportingController = "cfsaas.dev/operator";

/**
 * The manager: shared caches (informers), the Cloudflare access every controller draws its clients and request
 * budget from, leader election, and the metrics and health server. Each kind registers its own controller
 * (`src/reconcilers/<kind>/controller.ts`), which says what wakes it; the manager only starts them once the
 * caches are filled and this replica leads, and stops them on shutdown.
 */
export class Operator {
  readonly metrics: OperatorMetrics;
  readonly #config: OperatorConfig;
  readonly #logger: Logger;
  readonly #caches: SharedCaches;
  readonly #api: KubeApiClient;
  /** Informers of the enabled sources' routes: none unless `--sources` asks, so no route is watched for nothing. */
  readonly #routeSources: RouteSource[];
  readonly #runnables: Runnable[];
  /** The Cloudflare request budget of every credential, closed first on shutdown so no new call starts. */
  readonly #budgets: RateLimiterRegistry;
  readonly #elector: LeaderElector | undefined;
  #server: Awaited<ReturnType<typeof startObservabilityServer>> | undefined;
  #leading = false;
  #stopped = false;

  constructor(config: OperatorConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    const api = new KubeApiClient(config.kube);
    this.#api = api;
    this.metrics = new OperatorMetrics({ perObjectSeries: config.perObjectMetrics });
    const informer = <T extends CustomHostname | FallbackOrigin | SecretObject | RouteObject>(
      kind: string,
      path: string,
    ) =>
      new Informer<T>(api, {
        path,
        onError: (error) => logger.warn({ kind, ...errorFields(error) }, "list/watch failed; retrying"),
      });
    this.#caches = {
      customHostnames: informer<CustomHostname>("CustomHostname", collectionPath(customHostnameResource)),
      fallbackOrigins: informer<FallbackOrigin>("FallbackOrigin", collectionPath(fallbackOriginResource)),
      secrets: informer<SecretObject>("Secret", `/api/v1/namespaces/${config.credentialsNamespace}/secrets`),
    };
    this.#routeSources = config.sources.map((source) => {
      const kind = routeKinds[source];
      return { kind, informer: informer<RouteObject>(kind.resource.kind, collectionPath(kind.resource)) };
    });
    this.#budgets = new RateLimiterRegistry({ policy: config.requestBudget });
    const access = new CloudflareAccess({
      secrets: this.#caches.secrets,
      credentialsNamespace: config.credentialsNamespace,
      baseUrl: config.cloudflareApiUrl,
      limiters: this.#budgets,
      perPage: config.pageSize,
      observer: (attempt) => this.metrics.cloudflareAttempt(attempt),
    });
    const identity = `${process.env.POD_NAME ?? machineName()}-${randomBytes(3).toString("hex")}`;
    const observer: ControllerObserver = {
      reconciled: (controller, key, outcome, seconds, error) => {
        this.metrics.reconciled(controller, key, outcome, seconds);
        if (error) logger.warn({ controller, key, outcome, ...errorFields(error) }, "reconcile failed");
      },
      retried: (controller) => this.metrics.retried(controller),
    };
    const context: ControllerContext = {
      api,
      caches: this.#caches,
      access,
      events: new EventRecorder(api, {
        controller: reportingController,
        instance: identity,
        onError: (error) => logger.debug({ ...errorFields(error) }, "event not recorded"),
      }),
      logger,
      metrics: this.metrics,
      observer,
      workers: config.workers,
    };
    const dnsWatch = config.dnsWatch && this.#dnsWatch(config.dnsWatch);
    // Started in this order, so origins are looked at while the hostnames' zones are first listed.
    this.#runnables = [
      setupFallbackOriginController(context),
      setupCustomHostnameController(context, {
        zonePollIntervalMs: config.zonePollIntervalMs,
        validationScheduleScale: config.validationScheduleScale,
        ...(dnsWatch && { dnsWatch }),
      }),
      ...(this.#routeSources.length > 0 ? [setupSourceController(context, this.#routeSources)] : []),
    ];
    this.#elector = config.leaderElect
      ? new LeaderElector(api, {
          namespace: config.leaderElectionNamespace,
          name: "cfsaas-operator",
          identity,
          onError: (error) => logger.warn({ ...errorFields(error) }, "leader election request failed"),
        })
      : undefined;
  }

  /** The DNS watch's resolver and schedule; undefined (with a warning) when the system has no resolver to ask. */
  #dnsWatch(config: DnsWatchConfig) {
    const servers = config.servers ?? systemDnsServers();
    if (servers.length === 0) {
      this.#logger.warn(
        "no system DNS resolver found (/etc/resolv.conf); set --dns-servers to watch customer DNS",
      );
      return undefined;
    }
    this.#logger.info(
      { dnsServers: servers.map(({ host, port }) => `${host}:${port}`) },
      "watching customer DNS",
    );
    return {
      resolver: new DnsResolver({
        servers,
        timeoutMs: config.timeoutMs,
        concurrency: config.concurrency,
        onQuery: (type, result) => this.metrics.dnsQuery(type, result),
      }),
      pendingIntervalMs: config.pendingIntervalMs,
      readyIntervalMs: config.readyIntervalMs,
      refresh: { thresholdMs: config.refreshThresholdMs, intervalMs: config.refreshIntervalMs },
    };
  }

  /** Informers synced; the readiness probe. A standby replica is ready too: it is ready to take over. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons = Object.entries(this.#informers())
      .filter(([, informer]) => !informer.hasSynced)
      .map(([kind]) => `${kind} informer not synced`);
    return { ready: reasons.length === 0, reasons };
  }

  /**
   * Starts serving health, fills the caches, and (once leading, with leader election) starts the controllers.
   * Resolves with a signal that aborts if leadership is later lost, or undefined when stopped before leading.
   */
  async start(): Promise<AbortSignal | undefined> {
    this.#server = await startObservabilityServer({
      address: this.#config.metricsAddress,
      metrics: this.metrics,
      readiness: () => this.readiness(),
    });
    this.#logger.info({ url: this.#server.url }, "serving metrics and health");
    await this.#checkRouteKindsServed();
    const informers = Object.values(this.#informers());
    for (const informer of informers) informer.start();
    await Promise.all(informers.map((informer) => informer.waitForSync()));
    // stop() ends the wait for sync too: a stopped operator must not go on to start its controllers.
    if (this.#stopped) return undefined;
    this.#logger.info(
      {
        customHostnames: this.#caches.customHostnames.list().length,
        fallbackOrigins: this.#caches.fallbackOrigins.list().length,
      },
      "caches synced",
    );
    let lost: AbortSignal | undefined;
    if (this.#elector) {
      this.#logger.info("waiting for leadership");
      lost = await this.#elector.acquire();
      if (!lost || this.#stopped) return undefined;
      this.#logger.info("became leader");
    }
    this.#leading = true;
    for (const runnable of this.#runnables) {
      if (this.#stopped) return undefined;
      await runnable.start();
    }
    return lost;
  }

  /**
   * Starts no new Cloudflare call (waits for the request budget are abandoned), lets the calls on the wire finish,
   * releases the Lease so a standby takes over at once, stops watching and serving.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#budgets.close();
    this.#leading = false;
    await Promise.all(this.#runnables.map((runnable) => runnable.stop()));
    await this.#elector?.release();
    for (const informer of Object.values(this.#informers())) informer.stop();
    await this.#server?.close();
  }

  get serverUrl(): string | undefined {
    return this.#server?.url;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * A source whose kind the API server does not serve (the Gateway API CRDs are not installed) stops the start with
   * an error that says so: its informer would otherwise retry forever and keep every controller from starting.
   */
  async #checkRouteKindsServed(): Promise<void> {
    for (const { kind } of this.#routeSources) {
      const { resource } = kind;
      const groupVersion = apiVersionOf(resource);
      const served = await this.#api
        .request<{ resources?: Array<{ name: string }> }>("GET", `/apis/${groupVersion}`)
        .then(
          (list) => (list.resources ?? []).some((candidate) => candidate.name === resource.plural),
          (error: unknown) => {
            if (isNotFound(error)) return false;
            throw error;
          },
        );
      if (!served) {
        throw new Error(
          `--sources ${kind.source}: the API server does not serve ${resource.plural}.${resource.group}/` +
            `${resource.version}; install the CRDs that define it (for HTTPRoutes, the Gateway API standard ` +
            `channel) or remove ${kind.source} from --sources`,
        );
      }
    }
  }

  #informers(): Record<
    string,
    Informer<CustomHostname> | Informer<FallbackOrigin> | Informer<SecretObject> | Informer<RouteObject>
  > {
    const { secrets, fallbackOrigins, customHostnames } = this.#caches;
    return {
      Secret: secrets,
      FallbackOrigin: fallbackOrigins,
      CustomHostname: customHostnames,
      ...Object.fromEntries(this.#routeSources.map(({ kind, informer }) => [kind.resource.kind, informer])),
    };
  }
}
