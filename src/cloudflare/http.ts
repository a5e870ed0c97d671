/**
 * The transport under CloudflareClient: one attempt is one rate-limiter token, one HTTP exchange over a shared
 * keep-alive pool (through the egress proxy, if one is set), one observation, and a verdict; the loop around it
 * retries what is safe to retry.
 */

import { type Dispatcher, EnvHttpProxyAgent, Pool } from "undici";
import type { z } from "zod";
import { type BackoffPolicy, fullJitterDelayMs } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { CloudflareCredentials } from "./credentials.ts";
import { CloudflareApiError, type CloudflareErrorKind, kindOfFailure } from "./errors.ts";
import {
  type CredentialRateLimiter,
  defaultRateLimitPauseSeconds,
  parseRatelimitHeader,
} from "./rate-limiter.ts";
import { noteRequestId } from "./request-ids.ts";
import { currentRequestPriority } from "./request-priority.ts";
import { expandRoute, type Route } from "./routes.ts";
import { anyEnvelope } from "./wire.ts";

/** What the metrics issue needs of every attempt (`cfsaas_cloudflare_requests_total`, `…_duration_seconds`). */
export interface AttemptObservation {
  method: Route["method"];
  /** The route template, never a URL with ids. */
  endpoint: string;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  /** The first `errors[].code` of a failed reply. */
  code?: number;
  durationSeconds: number;
  /** 1 for the first try of a call. */
  attempt: number;
  requestId?: string;
}
export type AttemptObserver = (observation: AttemptObservation) => void;

/** Connection limits of each keep-alive pool: one per Cloudflare origin, or per origin to the proxy before it. */
export type PoolLimits = Pick<Pool.Options, "connections" | "pipelining" | "keepAliveTimeout">;

export const defaultPoolLimits: PoolLimits = { connections: 16, pipelining: 1, keepAliveTimeout: 30_000 };

/**
 * The standard egress proxy variables, resolved as undici's `EnvHttpProxyAgent` resolves them (the lowercase
 * name wins when both are set). An empty value means "no proxy" / "no exceptions".
 */
export interface EgressProxy {
  /** For `https://` origins, Cloudflare's included; when empty, `httpProxy` serves them too. */
  httpsProxy: string;
  httpProxy: string;
  /** Hosts reached directly: comma- or space-separated, matched by undici (docs/reference.md). */
  noProxy: string;
}

/** A snapshot: PoolRegistry takes it once, so the client routes by the values the start log reports. */
export function egressProxyFromEnv(env: NodeJS.ProcessEnv = process.env): EgressProxy {
  return {
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? "",
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? "",
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
  };
}

/**
 * What the start log says about egress: each proxy without the user and password a URL may embed. Throws on a
 * value undici would refuse or misread (`proxy:3128` parses as a URL of scheme `proxy:`), naming the variable.
 */
export function describeEgressProxy(proxy: EgressProxy): { https: string; http: string; noProxy: string[] } {
  const http = proxy.httpProxy === "" ? "direct" : logSafeProxyUrl("HTTP_PROXY", proxy.httpProxy);
  const https = proxy.httpsProxy === "" ? http : logSafeProxyUrl("HTTPS_PROXY", proxy.httpsProxy);
  return { https, http, noProxy: proxy.noProxy.split(/[,\s]/).filter((entry) => entry !== "") };
}

function logSafeProxyUrl(variable: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(
      `${variable} (or ${variable.toLowerCase()}) must be an http:// or https:// URL such as http://proxy.example:3128`,
    );
  }
  const userinfo = url.username !== "" || url.password !== "" ? "***@" : "";
  return `${url.protocol}//${userinfo}${url.host}`;
}

/**
 * The connections to Cloudflare, shared by every client in the process: a keep-alive pool per origin, reached
 * directly or through the proxy the standard variables name (undici's `EnvHttpProxyAgent`, docs/adr/0005).
 */
export class PoolRegistry {
  readonly proxy: EgressProxy;
  readonly #limits: PoolLimits;
  #dispatcher: EnvHttpProxyAgent | undefined;

  constructor(options: { limits?: PoolLimits; proxy?: EgressProxy } = {}) {
    this.#limits = options.limits ?? defaultPoolLimits;
    this.proxy = options.proxy ?? egressProxyFromEnv();
  }

  /** Built on first use: a process that never calls Cloudflare never fails on a malformed proxy variable. */
  get dispatcher(): Dispatcher {
    this.#dispatcher ??= new EnvHttpProxyAgent({
      ...this.#limits,
      // A plain-http origin behind a proxy is forwarded over a pool undici builds without our options; the
      // factory gives that pool, like every other, the limits above.
      factory: (origin, options) => new Pool(origin, { ...options, ...this.#limits }),
      httpsProxy: this.proxy.httpsProxy,
      httpProxy: this.proxy.httpProxy,
      noProxy: this.proxy.noProxy,
    });
    return this.#dispatcher;
  }

  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    await dispatcher?.close();
  }
}

export interface CloudflareHttpOptions {
  /** e.g. `https://api.cloudflare.com/client/v4`. */
  baseUrl: string;
  credentials: CloudflareCredentials;
  limiter: CredentialRateLimiter;
  dispatcher: Dispatcher;
  /** Whole-attempt deadline: connect, headers and body. */
  timeoutMs: number;
  /** Tries per call, the first included. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Fail fast with `rateLimited` instead of holding a worker longer than this for the credential's bucket. */
  maxRateLimitWaitMs: number;
  clock: Clock;
  random: () => number;
  observer: AttemptObserver | undefined;
}

export interface CloudflareRequest<T> {
  route: Route;
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Schema of the whole 2xx body; its failure is an `invalidResponse`. */
  schema: z.ZodType<T>;
}

type AttemptVerdict<T> =
  | { ok: true; value: T }
  | { ok: false; error: CloudflareApiError; reachedServer: boolean };

/** Methods whose repetition cannot change the outcome (a PATCH repeats the same body). POST creates. */
const idempotentMethods: ReadonlySet<Route["method"]> = new Set(["GET", "PUT", "PATCH", "DELETE"]);

/** Connection failures that prove the request never left: only these make a POST safe to repeat. */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export class CloudflareHttp {
  readonly #options: CloudflareHttpOptions;
  readonly #origin: string;
  readonly #pathPrefix: string;

  constructor(options: CloudflareHttpOptions) {
    this.#options = options;
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#pathPrefix = base.pathname.replace(/\/+$/, "");
  }

  async send<T>(request: CloudflareRequest<T>): Promise<T> {
    const { maxAttempts, limiter, clock } = this.#options;
    const method = request.route.method;
    const path = this.#path(request);
    for (let attempt = 1; ; attempt++) {
      this.#ensureBudget(request.route);
      await limiter.take(currentRequestPriority());
      const verdict = await this.#attempt(request, path, attempt);
      if (verdict.ok) return verdict.value;
      const { error, reachedServer } = verdict;
      // A POST that may have reached Cloudflare is not repeated blindly: the create may have landed, and the
      // reconciler adopts by listing. A 429 is a refusal before any work, so it is safe for every method.
      const safeToRepeat = idempotentMethods.has(method) || !reachedServer || error.kind === "rateLimited";
      if (!error.retryable || !safeToRepeat || attempt >= maxAttempts) throw error;
      if (error.kind === "rateLimited") {
        // The bucket itself is paused until `retry-after`: the next `take()` is the wait, unless it is too long.
        if (limiter.waitMs(currentRequestPriority()) > this.#options.maxRateLimitWaitMs) throw error;
      } else {
        await clock.sleep(fullJitterDelayMs(attempt, this.#options.backoff, this.#options.random));
      }
    }
  }

  #ensureBudget(route: Route): void {
    const waitMs = this.#options.limiter.waitMs(currentRequestPriority());
    if (waitMs > this.#options.maxRateLimitWaitMs) {
      throw new CloudflareApiError({
        kind: "rateLimited",
        status: 0,
        method: route.method,
        endpoint: route.template,
        messages: [
          `calls with this credential are held for ${Math.ceil(waitMs / 1000)} s by the rate limiter`,
        ],
        retryAfterSeconds: Math.ceil(waitMs / 1000),
      });
    }
  }

  #path(request: CloudflareRequest<unknown>): string {
    const path = `${this.#pathPrefix}${expandRoute(request.route.template, request.params ?? {})}`;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const search = query.toString();
    return search === "" ? path : `${path}?${search}`;
  }

  async #attempt<T>(
    request: CloudflareRequest<T>,
    path: string,
    attempt: number,
  ): Promise<AttemptVerdict<T>> {
    const { route } = request;
    const { credentials, clock, timeoutMs } = this.#options;
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    let verdict: AttemptVerdict<T>;
    let status = 0;
    let requestId: string | undefined;
    try {
      const response = await this.#options.dispatcher.request({
        origin: this.#origin,
        path,
        method: route.method,
        headers: {
          ...credentials.headers(),
          accept: "application/json",
          "user-agent": "cfsaas-operator",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body,
        signal: controller.signal,
      });
      status = response.statusCode;
      requestId = headerValue(response.headers, "cf-ray");
      if (requestId !== undefined) noteRequestId(requestId);
      const text = await response.body.text();
      const serverLimit = parseRatelimitHeader(headerValue(response.headers, "ratelimit"));
      if (serverLimit !== undefined) this.#options.limiter.observeServerLimit(serverLimit);
      verdict = this.#interpret(request, status, text, requestId, retryAfterSeconds(response.headers, clock));
      if (!verdict.ok && verdict.error.retryAfterSeconds !== undefined) {
        this.#options.limiter.pauseFor(verdict.error.retryAfterSeconds);
      }
    } catch (cause) {
      // A reply cut off mid-body counts as no reply.
      status = 0;
      const failure = describeNetworkFailure(cause, controller.signal.aborted, timeoutMs);
      verdict = {
        ok: false,
        reachedServer: failure.reachedServer,
        error: new CloudflareApiError({
          kind: "network",
          status,
          method: route.method,
          endpoint: route.template,
          messages: [credentials.redact(failure.detail)],
          requestId,
          cause,
        }),
      };
    } finally {
      clearTimeout(timer);
    }
    const code = verdict.ok ? undefined : verdict.error.codes[0];
    this.#options.observer?.({
      method: route.method,
      endpoint: route.template,
      status,
      ...(code === undefined ? {} : { code }),
      durationSeconds: (performance.now() - started) / 1000,
      attempt,
      ...(requestId === undefined ? {} : { requestId }),
    });
    return verdict;
  }

  #interpret<T>(
    request: CloudflareRequest<T>,
    status: number,
    text: string,
    requestId: string | undefined,
    retryAfter: number | undefined,
  ): AttemptVerdict<T> {
    const { route } = request;
    const fail = (kind: CloudflareErrorKind, codes: number[], messages: string[]): AttemptVerdict<T> => ({
      ok: false,
      // A reply, whatever it says, proves the request arrived.
      reachedServer: true,
      error: new CloudflareApiError({
        kind,
        status,
        method: route.method,
        endpoint: route.template,
        codes,
        messages: messages.map((message) => this.#options.credentials.redact(message)),
        requestId,
        retryAfterSeconds: kind === "rateLimited" ? (retryAfter ?? defaultRateLimitPauseSeconds) : undefined,
      }),
    });
    const json = parseJson(text);
    const envelope = anyEnvelope.safeParse(json);
    const errors = envelope.success ? (envelope.data.errors ?? []) : [];
    const codes = errors.map((error) => error.code);
    const messages = errors.map((error) => error.message);
    const succeeded = status >= 200 && status < 300;
    if (!succeeded || (envelope.success && !envelope.data.success)) {
      return fail(kindOfFailure(status, codes), codes, messages);
    }
    if (json === undefined) return fail("invalidResponse", [], ["response body is not JSON"]);
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      return fail("invalidResponse", [], [`unexpected response shape (${problems.join("; ")})`]);
    }
    return { ok: true, value: parsed.data };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerValue(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `retry-after` is seconds (Cloudflare rounds up) or, per RFC 9110, an HTTP date. */
function retryAfterSeconds(headers: Dispatcher.ResponseData["headers"], clock: Clock): number | undefined {
  const value = headerValue(headers, "retry-after");
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - clock.now()) / 1000));
}

function describeNetworkFailure(
  cause: unknown,
  timedOut: boolean,
  timeoutMs: number,
): { reachedServer: boolean; detail: string } {
  if (timedOut) return { reachedServer: true, detail: `no complete response within ${timeoutMs} ms` };
  const code = errorCode(cause) ?? errorCode((cause as { cause?: unknown } | undefined)?.cause);
  const reachedServer = code === undefined || !notSentCodes.has(code);
  const message = cause instanceof Error ? cause.message : String(cause);
  return { reachedServer, detail: code === undefined ? message : `${code}: ${message}` };
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
