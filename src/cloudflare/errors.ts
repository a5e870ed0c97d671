/**
 * One error type for every way a Cloudflare call can fail, with a `kind` the reconcilers switch on. The codes, their
 * meanings and sources are in docs/cloudflare-api.md#error-codes. `errors[].code` wins over the HTTP status because
 * Cloudflare reuses 400/403/409 for unrelated failures.
 */
import type { HttpMethod } from "./routes.ts";

export type CloudflareErrorKind =
  | "duplicate"
  | "notFound"
  | "invalidHostname"
  | "entitlement"
  | "invalidSsl"
  | "immutable"
  | "auth"
  | "rateLimited"
  | "server"
  | "network"
  | "invalidResponse"
  | "other";

const retryableKinds: ReadonlySet<CloudflareErrorKind> = new Set([
  "rateLimited",
  "server",
  "network",
  "invalidResponse",
]);

function kindOfCode(code: number): CloudflareErrorKind | undefined {
  if (code === 1406) return "duplicate";
  if (code === 1436) return "notFound";
  if (code === 1439) return "immutable";
  // 1415–1421 are the same checks applied to the custom origin server (1420 wildcard, 1421 no DNS record).
  if ((code >= 1407 && code <= 1411) || (code >= 1415 && code <= 1421)) return "invalidHostname";
  if (code === 1404 || code === 1405 || code === 1413 || code === 1414) return "entitlement";
  // 1435 (bad hostname id) and 1437/1438 (bad list filters) sit inside the ssl range but are request mistakes
  // of ours, not certificate settings a user could fix.
  if (code >= 1422 && code <= 1449 && code !== 1435 && code !== 1437 && code !== 1438) return "invalidSsl";
  // 1469: a hostname over 64 characters needs `ssl.cloudflare_branding` (docs/cloudflare-api.md#error-codes).
  if (code === 1469) return "invalidSsl";
  if ((code >= 1000 && code <= 1005) || code === 10000 || code === 1403) return "auth";
  // 971 "Please wait and consider throttling your request speed", with a 429 (docs/cloudflare-api.md#error-codes).
  if (code === 971) return "rateLimited";
  if (code === 1500) return "server";
  return undefined;
}

function kindOfStatus(status: number): CloudflareErrorKind {
  if (status === 429) return "rateLimited";
  if (status >= 500) return "server";
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "notFound";
  return "other";
}

/** The kind of a failed reply: a 429 is always rate limiting; otherwise the first known code, then the status. */
export function kindOfFailure(status: number, codes: readonly number[]): CloudflareErrorKind {
  if (status === 429) return "rateLimited";
  for (const code of codes) {
    const kind = kindOfCode(code);
    if (kind !== undefined) return kind;
  }
  return kindOfStatus(status);
}

export function isRetryableKind(kind: CloudflareErrorKind): boolean {
  return retryableKinds.has(kind);
}

export interface CloudflareApiErrorDetails {
  kind: CloudflareErrorKind;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  method: HttpMethod;
  /** Route template, e.g. `/zones/:zone_id/custom_hostnames`. */
  endpoint: string;
  codes?: readonly number[];
  messages?: readonly string[];
  /** The `cf-ray` header, for Cloudflare support. */
  requestId?: string | undefined;
  /** Seconds Cloudflare (or the local limiter) asks us to wait before the next call with this credential. */
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

export class CloudflareApiError extends Error {
  override readonly name = "CloudflareApiError";
  readonly kind: CloudflareErrorKind;
  readonly status: number;
  readonly method: HttpMethod;
  readonly endpoint: string;
  readonly codes: readonly number[];
  readonly messages: readonly string[];
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** Whether trying again later can succeed; for a create, only after checking by listing that it did not land. */
  readonly retryable: boolean;

  constructor(details: CloudflareApiErrorDetails) {
    super(describe(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = details.kind;
    this.status = details.status;
    this.method = details.method;
    this.endpoint = details.endpoint;
    this.codes = details.codes ?? [];
    this.messages = details.messages ?? [];
    this.requestId = details.requestId;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.retryable = isRetryableKind(details.kind);
  }

  toJSON() {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      status: this.status,
      method: this.method,
      endpoint: this.endpoint,
      codes: this.codes,
      messages: this.messages,
      requestId: this.requestId,
      retryAfterSeconds: this.retryAfterSeconds,
      retryable: this.retryable,
    };
  }
}

function describe(details: CloudflareApiErrorDetails): string {
  const outcome = details.status === 0 ? "no response" : `HTTP ${details.status}`;
  const codes = details.codes ?? [];
  const messages = details.messages ?? [];
  const reasons = messages.map((message, index) => {
    const code = codes[index];
    return code === undefined ? message : `${code} ${message}`;
  });
  const ray = details.requestId === undefined ? "" : ` (cf-ray ${details.requestId})`;
  const detail =
    reasons.length > 0 ? `: ${reasons.join("; ")}` : codes.length > 0 ? `: ${codes.join(", ")}` : "";
  return `Cloudflare ${details.method} ${details.endpoint} failed (${details.kind}, ${outcome})${detail}${ray}`;
}

/** A failed Cloudflare call, reduced to what a decision may look at (no secrets, no stack). */
export interface CloudflareFailure {
  kind: CloudflareErrorKind;
  message: string;
  codes: number[];
  retryable: boolean;
  /** Seconds Cloudflare asked us to wait (429). */
  retryAfterSeconds?: number;
  /** Cloudflare's cf-ray id of the failed request, for logs and Cloudflare support. */
  requestId?: string;
}

/** Any error thrown by a Cloudflare call as a CloudflareFailure; anything unexpected counts as retryable. */
export function failureOf(error: unknown): CloudflareFailure {
  if (error instanceof CloudflareApiError) {
    return {
      kind: error.kind,
      message: error.message,
      codes: [...error.codes],
      retryable: error.retryable,
      retryAfterSeconds: error.retryAfterSeconds,
      requestId: error.requestId,
    };
  }
  return { kind: "other", message: (error as Error)?.message ?? String(error), codes: [], retryable: true };
}
