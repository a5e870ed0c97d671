import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AttemptObservation } from "../cloudflare/http.ts";
import type { ReconcileOutcome } from "../kube/controller.ts";

export interface CustomHostnameMetricState {
  namespace: string;
  name: string;
  hostname: string;
  hostnameStatus?: string | undefined;
  sslStatus?: string | undefined;
  ready: boolean;
  notReadySince?: Date | undefined;
  certificateExpiresAt?: Date | undefined;
  /** The DNSConfigured condition's reason, when the customer's DNS is watched. */
  dnsReason?: string | undefined;
}

/** The DNSConfigured reason that means an active hostname's DNS no longer points at Cloudflare. */
const MOVED_AWAY = "CustomerDNSMovedAway";

/**
 * The operator's Prometheus metrics (names and labels in docs/observability.md#metrics) on a registry of its own.
 * Label values are route templates, status words and object names: bounded, and never an error message or a
 * credential.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly #perObjectSeries: boolean;
  readonly #hostnames = new Map<string, CustomHostnameMetricState>();
  readonly #queueDepths = new Map<string, () => number>();
  readonly #originZones = new Map<string, string>();
  readonly #reconcileTotal: Counter<"controller" | "result">;
  readonly #reconcileDuration: Histogram<"controller">;
  readonly #retries: Counter<"controller">;
  readonly #requests: Counter<"method" | "endpoint" | "code">;
  readonly #requestDuration: Histogram<"method" | "endpoint">;
  readonly #rateLimitRemaining: Gauge<"zone">;
  readonly #hostnameReady: Gauge<"namespace" | "name" | "hostname">;
  readonly #hostnameNotReadySince: Gauge<"namespace" | "name" | "hostname">;
  readonly #certificateExpiry: Gauge<"namespace" | "name" | "hostname">;
  readonly #originReady: Gauge<"name" | "zone">;
  readonly #dnsQueries: Counter<"type" | "result">;
  readonly #dnsMovedAway: Gauge<"namespace" | "name" | "hostname">;

  constructor(options: { perObjectSeries: boolean }) {
    this.#perObjectSeries = options.perObjectSeries;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#reconcileTotal = new Counter({
      name: "cfsaas_reconcile_total",
      help: "Reconciles by controller and result (success, requeue_after, error).",
      labelNames: ["controller", "result"],
      registers,
    });
    this.#reconcileDuration = new Histogram({
      name: "cfsaas_reconcile_duration_seconds",
      help: "Time one reconcile took, Cloudflare and Kubernetes calls included.",
      labelNames: ["controller"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    const depths = this.#queueDepths;
    new Gauge({
      name: "cfsaas_workqueue_depth",
      help: "Keys waiting for a worker.",
      labelNames: ["controller"],
      registers,
      collect() {
        for (const [controller, depth] of depths) this.set({ controller }, depth());
      },
    });
    this.#retries = new Counter({
      name: "cfsaas_workqueue_retries_total",
      help: "Keys put back with backoff after a failed reconcile.",
      labelNames: ["controller"],
      registers,
    });
    this.#requests = new Counter({
      name: "cfsaas_cloudflare_requests_total",
      help: 'Cloudflare API requests (each attempt) by method, route template and HTTP status ("0": no response).',
      labelNames: ["method", "endpoint", "code"],
      registers,
    });
    this.#requestDuration = new Histogram({
      name: "cfsaas_cloudflare_request_duration_seconds",
      help: "Latency of Cloudflare API requests.",
      labelNames: ["method", "endpoint"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#rateLimitRemaining = new Gauge({
      name: "cfsaas_cloudflare_ratelimit_remaining",
      help: "Requests left in Cloudflare's rate-limit window for the zone's credentials (its Ratelimit header, else the local budget).",
      labelNames: ["zone"],
      registers,
    });
    const hostnames = this.#hostnames;
    new Gauge({
      name: "cfsaas_custom_hostnames",
      help: "CustomHostnames by Cloudflare hostname status and certificate status.",
      labelNames: ["hostname_status", "ssl_status"],
      registers,
      collect() {
        this.reset();
        for (const state of hostnames.values()) {
          this.inc({
            hostname_status: state.hostnameStatus ?? "unknown",
            ssl_status: state.sslStatus ?? "unknown",
          });
        }
      },
    });
    this.#hostnameReady = new Gauge({
      name: "cfsaas_custom_hostname_ready",
      help: "1 when the CustomHostname's hostname and certificate are active in Cloudflare.",
      labelNames: ["namespace", "name", "hostname"],
      registers,
    });
    this.#hostnameNotReadySince = new Gauge({
      name: "cfsaas_custom_hostname_not_ready_since_timestamp_seconds",
      help: "Since when the CustomHostname has not been Ready (Unix seconds, from the Ready condition); absent once Ready.",
      labelNames: ["namespace", "name", "hostname"],
      registers,
    });
    this.#certificateExpiry = new Gauge({
      name: "cfsaas_certificate_expiration_timestamp_seconds",
      help: "When the CustomHostname's certificate expires (Unix seconds).",
      labelNames: ["namespace", "name", "hostname"],
      registers,
    });
    new Gauge({
      name: "cfsaas_custom_hostnames_dns",
      help: "CustomHostnames by the reason of their DNSConfigured condition (what the customer's DNS holds).",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const state of hostnames.values()) {
          if (state.dnsReason) this.inc({ reason: state.dnsReason });
        }
      },
    });
    this.#dnsMovedAway = new Gauge({
      name: "cfsaas_custom_hostname_dns_moved_away",
      help: "1 while the CustomHostname is active in Cloudflare but the customer's DNS no longer points at the target; absent otherwise.",
      labelNames: ["namespace", "name", "hostname"],
      registers,
    });
    this.#dnsQueries = new Counter({
      name: "cfsaas_dns_queries_total",
      help: "DNS questions the operator sent to its resolvers (cache hits excluded) by record type and outcome.",
      labelNames: ["type", "result"],
      registers,
    });
    this.#originReady = new Gauge({
      name: "cfsaas_fallback_origin_ready",
      help: "1 when the FallbackOrigin is active in Cloudflare.",
      labelNames: ["name", "zone"],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  reconciled(controller: string, _key: string, outcome: ReconcileOutcome, seconds: number): void {
    this.#reconcileTotal.inc({ controller, result: outcome });
    this.#reconcileDuration.observe({ controller }, seconds);
  }

  retried(controller: string): void {
    this.#retries.inc({ controller });
  }

  trackQueueDepth(controller: string, depth: () => number): void {
    this.#queueDepths.set(controller, depth);
  }

  cloudflareAttempt(
    attempt: Pick<AttemptObservation, "method" | "endpoint" | "status" | "durationSeconds">,
  ): void {
    this.#requests.inc({ method: attempt.method, endpoint: attempt.endpoint, code: String(attempt.status) });
    this.#requestDuration.observe(
      { method: attempt.method, endpoint: attempt.endpoint },
      attempt.durationSeconds,
    );
  }

  dnsQuery(type: string, result: string): void {
    this.#dnsQueries.inc({ type, result });
  }

  setRateLimitRemaining(zone: string, remaining: number | undefined): void {
    if (remaining === undefined) this.#rateLimitRemaining.remove({ zone });
    else this.#rateLimitRemaining.set({ zone }, remaining);
  }

  setCustomHostnameState(state: CustomHostnameMetricState): void {
    const key = `${state.namespace}/${state.name}`;
    const previous = this.#hostnames.get(key);
    this.#hostnames.set(key, state);
    if (!this.#perObjectSeries) return;
    if (previous && previous.hostname !== state.hostname) this.#removeObjectSeries(previous);
    const labels = { namespace: state.namespace, name: state.name, hostname: state.hostname };
    this.#hostnameReady.set(labels, state.ready ? 1 : 0);
    if (state.notReadySince) this.#hostnameNotReadySince.set(labels, state.notReadySince.getTime() / 1000);
    else this.#hostnameNotReadySince.remove(labels);
    if (state.certificateExpiresAt)
      this.#certificateExpiry.set(labels, state.certificateExpiresAt.getTime() / 1000);
    else this.#certificateExpiry.remove(labels);
    if (state.dnsReason === MOVED_AWAY) this.#dnsMovedAway.set(labels, 1);
    else this.#dnsMovedAway.remove(labels);
  }

  forgetCustomHostname(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const previous = this.#hostnames.get(key);
    this.#hostnames.delete(key);
    if (previous && this.#perObjectSeries) this.#removeObjectSeries(previous);
  }

  setFallbackOriginReady(name: string, zone: string, ready: boolean): void {
    const previousZone = this.#originZones.get(name);
    if (previousZone !== undefined && previousZone !== zone)
      this.#originReady.remove({ name, zone: previousZone });
    this.#originZones.set(name, zone);
    this.#originReady.set({ name, zone }, ready ? 1 : 0);
  }

  forgetFallbackOrigin(name: string): void {
    const zone = this.#originZones.get(name);
    if (zone === undefined) return;
    this.#originZones.delete(name);
    this.#originReady.remove({ name, zone });
  }

  #removeObjectSeries(state: CustomHostnameMetricState): void {
    const labels = { namespace: state.namespace, name: state.name, hostname: state.hostname };
    this.#hostnameReady.remove(labels);
    this.#hostnameNotReadySince.remove(labels);
    this.#certificateExpiry.remove(labels);
    this.#dnsMovedAway.remove(labels);
  }
}
