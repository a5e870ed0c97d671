/**
 * The operator's Cloudflare client: one per credential, one method per endpoint the reconcilers use. Every call
 * goes through the credential's shared request budget and the retrying transport in http.ts; every reply is
 * validated against the wire schemas before anyone reads it.
 */
import type { Dispatcher } from "undici";
import { type BackoffPolicy, defaultBackoffPolicy } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { CloudflareCredentials, type CredentialsSpec } from "./credentials.ts";
import { CloudflareApiError } from "./errors.ts";
import { type AttemptObserver, CloudflareHttp, PoolRegistry } from "./http.ts";
import { nextPage } from "./pagination.ts";
import { type Headroom, RateLimiterRegistry, type RateLimitPolicy } from "./rate-limiter.ts";
import { routes } from "./routes.ts";
import {
  type CreateCustomHostnameBody,
  type CustomHostname,
  createCustomHostnameBody,
  customHostnameEnvelope,
  customHostnamePageEnvelope,
  deletedCustomHostname,
  type EditCustomHostnameBody,
  editCustomHostnameBody,
  type FallbackOrigin,
  fallbackOriginEnvelope,
  type TokenVerification,
  tokenVerificationEnvelope,
  updateFallbackOriginBody,
  type Zone,
  zoneEnvelope,
} from "./wire.ts";

export const cloudflareApiBaseUrl = "https://api.cloudflare.com/client/v4";

/**
 * Process-wide defaults, so two clients built from the same Secret share one bucket and one pool. The pools read
 * the proxy variables when this module loads (docs/reference.md, "Egress through a proxy").
 */
export const sharedRateLimiters = new RateLimiterRegistry();
export const sharedPools = new PoolRegistry();

/** 50 is valid under both documented maximums, 50 and 1000 (docs/cloudflare-api.md#listing-and-paging). */
export const defaultPerPage = 50;

export interface CloudflareClientOptions {
  credentials: CloudflareCredentials | CredentialsSpec;
  baseUrl?: string;
  limiters?: RateLimiterRegistry;
  pools?: PoolRegistry;
  /** Replaces the shared pools and their proxy routing (undici's MockAgent in tests). */
  dispatcher?: Dispatcher;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Tries per call, the first included; default 5. */
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Longest a call waits for the credential's bucket before failing with `rateLimited`; default 60 s. */
  maxRateLimitWaitMs?: number;
  perPage?: number;
  /** Called once per HTTP attempt, for metrics. */
  observer?: AttemptObserver;
  clock?: Clock;
  random?: () => number;
}

export interface ListOptions {
  perPage?: number;
  /**
   * Called for each page fetched, with the page size Cloudflare answered (`result_info.per_page`, else the one
   * asked for): what a listing costs in requests, for listings planned from it (the zone poller).
   */
  onPage?: (perPage: number) => void;
}

export class CloudflareClient {
  readonly credentials: CloudflareCredentials;
  readonly #http: CloudflareHttp;
  readonly #limiters: RateLimiterRegistry;
  readonly #perPage: number;
  readonly #baseUrl: string;

  constructor(options: CloudflareClientOptions) {
    this.credentials =
      options.credentials instanceof CloudflareCredentials
        ? options.credentials
        : new CloudflareCredentials(options.credentials);
    this.#baseUrl = options.baseUrl ?? cloudflareApiBaseUrl;
    this.#limiters = options.limiters ?? sharedRateLimiters;
    this.#perPage = options.perPage ?? defaultPerPage;
    this.#http = new CloudflareHttp({
      baseUrl: this.#baseUrl,
      credentials: this.credentials,
      limiter: this.#limiters.forCredential(this.credentials.fingerprint),
      dispatcher: options.dispatcher ?? (options.pools ?? sharedPools).dispatcher,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
      backoff: { ...defaultBackoffPolicy, ...options.backoff },
      maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 60_000,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      observer: options.observer,
    });
  }

  /**
   * How long a routine request asked for now would wait for this credential's budget, behind `ahead` more that
   * were promised a turn before it: lets a caller report "queued" instead of holding a worker while it waits.
   */
  estimatedWaitMs(ahead = 0): number {
    return this.#limiters.forCredential(this.credentials.fingerprint).estimatedWaitMs(ahead);
  }

  /** The request budget of this client's credential (`--request-budget`). */
  get requestBudget(): RateLimitPolicy {
    return this.#limiters.forCredential(this.credentials.fingerprint).policy;
  }

  /** Headroom of this client's credential, shared with every other client of it. */
  rateLimitHeadroom(): Headroom {
    return this.#limiters.forCredential(this.credentials.fingerprint).headroom();
  }

  /** `GET /user/tokens/verify`: only API tokens can be verified; a global key has no such endpoint. */
  async verifyToken(): Promise<TokenVerification> {
    if (this.credentials.kind !== "apiToken") {
      throw new TypeError("only an API token can be verified; a global API key has no verify endpoint");
    }
    const envelope = await this.#http.send({ route: routes.verifyToken, schema: tokenVerificationEnvelope });
    return envelope.result;
  }

  async getZone(zoneId: string): Promise<Zone> {
    const envelope = await this.#http.send({
      route: routes.getZone,
      params: { zone_id: zoneId },
      schema: zoneEnvelope,
    });
    return envelope.result;
  }

  /** Every custom hostname of the zone (or those matching `filter`), page by page, lazily. */
  async *listCustomHostnames(
    zoneId: string,
    filter: { hostname?: string } = {},
    options: ListOptions = {},
  ): AsyncIterable<CustomHostname> {
    const perPage = options.perPage ?? this.#perPage;
    // A server that ignores `page` and sends no totals would otherwise hand back page 1 forever.
    const listed = new Set<string>();
    let page: number | undefined = 1;
    while (page !== undefined) {
      const envelope = await this.#http.send({
        route: routes.listCustomHostnames,
        params: { zone_id: zoneId },
        // The exact-name filter as the 2024 extract spells it (docs/cloudflare-api.md#listing-and-paging).
        query: { hostname: filter.hostname, page, per_page: perPage },
        schema: customHostnamePageEnvelope,
      });
      options.onPage?.(envelope.result_info?.per_page ?? perPage);
      const fresh = envelope.result.filter((item) => !listed.has(item.id));
      if (envelope.result.length > 0 && fresh.length === 0) {
        throw new CloudflareApiError({
          kind: "invalidResponse",
          status: 200,
          method: routes.listCustomHostnames.method,
          endpoint: routes.listCustomHostnames.template,
          messages: [`page ${page} repeats only hostnames already listed; the server is not paging`],
        });
      }
      for (const item of fresh) listed.add(item.id);
      yield* fresh;
      page = nextPage(page, envelope.result.length, perPage, envelope.result_info);
    }
  }

  /**
   * The zone's custom hostname named `hostname`, if any: how the reconciler adopts a hostname whose id it lost.
   * Matches exactly on our side too, so a server that ignores or widens the filter cannot return a wrong one.
   */
  async findCustomHostname(zoneId: string, hostname: string): Promise<CustomHostname | undefined> {
    const wanted = hostname.toLowerCase();
    for await (const candidate of this.listCustomHostnames(zoneId, { hostname })) {
      if (candidate.hostname.toLowerCase() === wanted) return candidate;
    }
    return undefined;
  }

  async getCustomHostname(zoneId: string, customHostnameId: string): Promise<CustomHostname> {
    const envelope = await this.#http.send({
      route: routes.getCustomHostname,
      params: { zone_id: zoneId, custom_hostname_id: customHostnameId },
      schema: customHostnameEnvelope,
    });
    return envelope.result;
  }

  /**
   * Not retried once the request may have reached Cloudflare: a repeated POST could create a duplicate or fail
   * with 1406. A retryable error from here means "find it by listing before creating again".
   */
  async createCustomHostname(zoneId: string, body: CreateCustomHostnameBody): Promise<CustomHostname> {
    const envelope = await this.#http.send({
      route: routes.createCustomHostname,
      params: { zone_id: zoneId },
      body: createCustomHostnameBody.parse(body),
      schema: customHostnameEnvelope,
    });
    return envelope.result;
  }

  /**
   * PATCH with `ssl` always wrapped and always carrying `type` + `method`. Sending the current `method` and `type`
   * again is Cloudflare's "refresh": it restarts validation (docs/cloudflare-api.md#create-edit-and-refresh).
   */
  async editCustomHostname(
    zoneId: string,
    customHostnameId: string,
    patch: EditCustomHostnameBody,
  ): Promise<CustomHostname> {
    const envelope = await this.#http.send({
      route: routes.editCustomHostname,
      params: { zone_id: zoneId, custom_hostname_id: customHostnameId },
      body: editCustomHostnameBody.parse(patch),
      schema: customHostnameEnvelope,
    });
    return envelope.result;
  }

  /** A retried DELETE whose first try landed answers 1436 (`notFound`): callers treat that as deleted. */
  async deleteCustomHostname(zoneId: string, customHostnameId: string): Promise<{ id: string }> {
    return this.#http.send({
      route: routes.deleteCustomHostname,
      params: { zone_id: zoneId, custom_hostname_id: customHostnameId },
      schema: deletedCustomHostname,
    });
  }

  async getFallbackOrigin(zoneId: string): Promise<FallbackOrigin> {
    const envelope = await this.#http.send({
      route: routes.getFallbackOrigin,
      params: { zone_id: zoneId },
      schema: fallbackOriginEnvelope,
    });
    return envelope.result;
  }

  async updateFallbackOrigin(zoneId: string, origin: string): Promise<FallbackOrigin> {
    const envelope = await this.#http.send({
      route: routes.updateFallbackOrigin,
      params: { zone_id: zoneId },
      body: updateFallbackOriginBody.parse({ origin }),
      schema: fallbackOriginEnvelope,
    });
    return envelope.result;
  }

  async deleteFallbackOrigin(zoneId: string): Promise<FallbackOrigin> {
    const envelope = await this.#http.send({
      route: routes.deleteFallbackOrigin,
      params: { zone_id: zoneId },
      schema: fallbackOriginEnvelope,
    });
    return envelope.result;
  }

  toString(): string {
    return `CloudflareClient(${this.#baseUrl}, ${this.credentials})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
