/**
 * Cloudflare allows 1,200 requests per 300 s per user, across dashboard, tokens and keys, then blocks every call
 * for 5 minutes (docs/cloudflare-api.md#rate-limits). Every client using one credential therefore draws from one
 * token bucket, sized under that limit, which also stops for the whole `retry-after` when a 429 gets through anyway.
 */
import { type Clock, systemClock } from "./clock.ts";

export interface RateLimitPolicy {
  /** Sustained requests allowed per window. */
  requests: number;
  windowSeconds: number;
  /** Bucket size: how many calls may go at once after a quiet spell. */
  burst: number;
}

/** 1,000 + a burst of 20 per 300 s stays under Cloudflare's 1,200, leaving room for people using the dashboard. */
export const defaultRateLimitPolicy: RateLimitPolicy = { requests: 1000, windowSeconds: 300, burst: 20 };

/**
 * The policy for a request budget of `requests` per `windowSeconds`: a burst of a tenth of the budget, between 1
 * and 20, so a small budget cannot be spent in one go and a large one still starts with a handful of calls at once.
 */
export function budgetPolicy(budget: { requests: number; windowSeconds: number }): RateLimitPolicy {
  return { ...budget, burst: Math.max(1, Math.min(20, Math.floor(budget.requests / 10))) };
}

/** Without `retry-after`, Cloudflare's documented block lasts 5 minutes (docs/cloudflare-api.md#rate-limits). */
export const defaultRateLimitPauseSeconds = 300;

export interface ServerRateLimit {
  /** Requests Cloudflare says remain in its window. */
  remaining: number;
  /** Seconds until Cloudflare's window resets. */
  resetSeconds: number;
}

export interface Headroom {
  fingerprint: string;
  /** Calls the local bucket would let through right now. */
  tokens: number;
  /** Epoch ms until which every call with this credential waits (after a 429 or `r=0`); absent when not paused. */
  pausedUntil: number | undefined;
  /** The last `Ratelimit` header Cloudflare sent for this credential. */
  server: ServerRateLimit | undefined;
}

/** Parses `Ratelimit: "<name>";r=<remaining>;t=<seconds>` (IETF draft format Cloudflare uses). */
export function parseRatelimitHeader(value: string | undefined): ServerRateLimit | undefined {
  if (value === undefined) return undefined;
  const params = new Map<string, string>();
  // Only the first policy counts when several are listed, comma-separated.
  const [first = ""] = value.split(",");
  for (const part of first.split(";").slice(1)) {
    const [key, raw] = part.split("=", 2);
    if (key !== undefined && raw !== undefined) params.set(key.trim(), raw.trim());
  }
  const r = params.get("r");
  const t = params.get("t");
  if (r === undefined) return undefined;
  const remaining = Number(r);
  const resetSeconds = t === undefined ? 0 : Number(t);
  if (!Number.isFinite(remaining) || !Number.isFinite(resetSeconds)) return undefined;
  return { remaining, resetSeconds };
}

export class CredentialRateLimiter {
  readonly fingerprint: string;
  readonly #policy: RateLimitPolicy;
  readonly #clock: Clock;
  readonly #refillPerMs: number;
  #tokens: number;
  #updatedAt: number;
  #pausedUntil = 0;
  #server: ServerRateLimit | undefined;

  constructor(fingerprint: string, policy: RateLimitPolicy, clock: Clock) {
    this.fingerprint = fingerprint;
    this.#policy = policy;
    this.#clock = clock;
    this.#refillPerMs = policy.requests / (policy.windowSeconds * 1000);
    this.#tokens = policy.burst;
    this.#updatedAt = clock.now();
  }

  /** Milliseconds until a call may go; 0 when a token is available now. */
  waitMs(): number {
    const now = this.#refill();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#tokens >= 1) return 0;
    return Math.ceil((1 - this.#tokens) / this.#refillPerMs);
  }

  /** Takes a token if one is available now. */
  tryTake(): boolean {
    if (this.waitMs() > 0) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Waits for a token and takes it. */
  async take(): Promise<void> {
    while (!this.tryTake()) {
      await this.#clock.sleep(Math.max(1, this.waitMs()));
    }
  }

  /** Stops every caller of this credential for `seconds`, and restarts the bucket empty afterwards. */
  pauseFor(seconds: number): void {
    const now = this.#refill();
    this.#pausedUntil = Math.max(this.#pausedUntil, now + seconds * 1000);
    this.#tokens = 0;
  }

  /** Adopts Cloudflare's own count: never spend more than it says remain, and stop when it says none do. */
  observeServerLimit(limit: ServerRateLimit): void {
    this.#server = limit;
    this.#refill();
    if (limit.remaining <= 0) {
      this.pauseFor(Math.max(1, limit.resetSeconds));
    } else {
      this.#tokens = Math.min(this.#tokens, limit.remaining);
    }
  }

  headroom(): Headroom {
    const now = this.#refill();
    return {
      fingerprint: this.fingerprint,
      tokens: Math.floor(this.#tokens),
      pausedUntil: now < this.#pausedUntil ? this.#pausedUntil : undefined,
      server: this.#server,
    };
  }

  #refill(): number {
    const now = this.#clock.now();
    // Tokens accrue only once a pause is over: the server's window restarts then, not before.
    const from = Math.max(this.#updatedAt, this.#pausedUntil);
    if (now > from) {
      this.#tokens = Math.min(this.#policy.burst, this.#tokens + (now - from) * this.#refillPerMs);
    }
    this.#updatedAt = Math.max(this.#updatedAt, now);
    return now;
  }
}

/** One bucket per credential fingerprint, shared by every client of that credential in the process. */
export class RateLimiterRegistry {
  readonly #policy: RateLimitPolicy;
  readonly #clock: Clock;
  readonly #limiters = new Map<string, CredentialRateLimiter>();

  constructor(options: { policy?: Partial<RateLimitPolicy>; clock?: Clock } = {}) {
    const policy = { ...defaultRateLimitPolicy, ...options.policy };
    if (!(policy.requests > 0 && policy.windowSeconds > 0 && policy.burst >= 1)) {
      throw new RangeError("rate limit policy needs requests > 0, windowSeconds > 0 and burst >= 1");
    }
    this.#policy = policy;
    this.#clock = options.clock ?? systemClock;
  }

  forCredential(fingerprint: string): CredentialRateLimiter {
    let limiter = this.#limiters.get(fingerprint);
    if (limiter === undefined) {
      limiter = new CredentialRateLimiter(fingerprint, this.#policy, this.#clock);
      this.#limiters.set(fingerprint, limiter);
    }
    return limiter;
  }

  /** Remaining headroom of every credential seen so far (for `cfsaas_cloudflare_ratelimit_remaining`). */
  headroom(): Headroom[] {
    return [...this.#limiters.values()].map((limiter) => limiter.headroom());
  }
}
