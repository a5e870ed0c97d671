/**
 * Cloudflare allows 1,200 requests per 300 s per user, across dashboard, tokens and keys, then blocks every call
 * for 5 minutes (docs/cloudflare-api.md#rate-limits). Every client using one credential therefore draws from one
 * budget of that shape, set under that limit: at most `requests` calls in any `windowSeconds`. Work that fits in
 * what the window has left goes at once, as fast as Cloudflare answers; only more than that waits, and then each
 * call goes as soon as one of the window's calls ages out. A 429 that gets through anyway stops every call for
 * its whole `retry-after`.
 *
 * Two classes share the budget: deletes and edits a user asked for (`urgent`) may use all of it; routine work
 * (creates, validation checks, listings) leaves a twentieth of it to them, so they are never stuck behind a
 * rollout. Within a class, callers go in the order they asked.
 */
import { type Clock, systemClock } from "./clock.ts";

export interface RateLimitPolicy {
  /** Requests allowed in any window. */
  requests: number;
  windowSeconds: number;
}

export type RequestPriority = "urgent" | "routine";

/** 1,000 per 300 s stays under Cloudflare's 1,200, leaving room for people using the dashboard. */
export const defaultRateLimitPolicy: RateLimitPolicy = { requests: 1000, windowSeconds: 300 };

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
  /** Calls the budget would let through right now. */
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

/** Thrown to callers still waiting for the budget when the limiter is closed (the operator shuts down). */
export class BudgetWaitAborted extends Error {
  override name = "BudgetWaitAborted";
}

interface Waiter {
  priority: RequestPriority;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class CredentialRateLimiter {
  readonly fingerprint: string;
  readonly #policy: RateLimitPolicy;
  readonly #clock: Clock;
  readonly #windowMs: number;
  /** Send times of the calls in the current window, oldest first. */
  readonly #sent: number[] = [];
  readonly #waiters: Record<RequestPriority, Waiter[]> = { urgent: [], routine: [] };
  #pausedUntil = 0;
  #server: ServerRateLimit | undefined;
  /** Cloudflare's own count: at most `remaining` more calls until `until`. */
  #allowance: { remaining: number; until: number } | undefined;
  /** The pending wake-up of waiters, and when it fires. */
  #wakeAt: number | undefined;
  #closed = false;

  constructor(fingerprint: string, policy: RateLimitPolicy, clock: Clock) {
    this.fingerprint = fingerprint;
    this.#policy = policy;
    this.#clock = clock;
    this.#windowMs = policy.windowSeconds * 1000;
  }

  /** Milliseconds until a call of this class may go; 0 when it may go now. */
  waitMs(priority: RequestPriority = "routine"): number {
    const now = this.#prune();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#allowance && now < this.#allowance.until && this.#allowance.remaining <= 0) {
      return this.#allowance.until - now;
    }
    const limit = this.#limit(priority);
    if (this.#sent.length < limit) return 0;
    return (this.#sent[this.#sent.length - limit] ?? now) + this.#windowMs - now;
  }

  /**
   * Milliseconds until a routine call asked for now would go, behind the callers already waiting and `ahead`
   * more: how long a create would wait, so a status can say it is queued instead of holding a worker.
   */
  estimatedWaitMs(ahead = 0): number {
    const now = this.#prune();
    const position = this.#waiters.urgent.length + this.#waiters.routine.length + ahead;
    const limit = this.#limit("routine");
    const start = Math.max(now, this.#pausedUntil);
    // Each call goes once the call `limit` places before it has aged out of the window. For the first `limit`
    // calls that is a call already sent (or none); every later call goes one window after the call `limit`
    // places before it. So the call at `position` goes whole windows after the call at `position % limit`.
    const windows = Math.floor(position / limit);
    const blocker = this.#sent[this.#sent.length - limit + (position % limit)];
    const first = blocker === undefined ? start : Math.max(start, blocker + this.#windowMs);
    return first + windows * this.#windowMs - now;
  }

  /** Takes a call from the budget if one of this class may go now and nobody of its class is waiting. */
  tryTake(priority: RequestPriority = "routine"): boolean {
    if (this.#closed || this.#hasWaitersBefore(priority) || this.waitMs(priority) > 0) return false;
    this.#spend();
    return true;
  }

  /** Waits for a call of this class, in order, and takes it. Rejects with BudgetWaitAborted once closed. */
  take(priority: RequestPriority = "routine"): Promise<void> {
    if (this.#closed) return Promise.reject(new BudgetWaitAborted("the operator is shutting down"));
    if (this.tryTake(priority)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters[priority].push({ priority, resolve, reject });
      this.#schedule();
    });
  }

  /** Abandons every wait (shutdown): no call starts after this; calls already on the wire are not affected. */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters.urgent.splice(0), ...this.#waiters.routine.splice(0)]) {
      waiter.reject(new BudgetWaitAborted("the operator is shutting down"));
    }
  }

  /** Stops every caller of this credential for `seconds`. */
  pauseFor(seconds: number): void {
    const now = this.#clock.now();
    this.#pausedUntil = Math.max(this.#pausedUntil, now + seconds * 1000);
    this.#schedule();
  }

  /** Adopts Cloudflare's own count: never spend more than it says remain, and stop when it says none do. */
  observeServerLimit(limit: ServerRateLimit): void {
    this.#server = limit;
    const now = this.#clock.now();
    this.#allowance = { remaining: limit.remaining, until: now + Math.max(1, limit.resetSeconds) * 1000 };
    if (limit.remaining <= 0) this.pauseFor(Math.max(1, limit.resetSeconds));
  }

  /** The budget itself: requests per window. */
  get policy(): RateLimitPolicy {
    return this.#policy;
  }

  headroom(): Headroom {
    const now = this.#prune();
    const local = Math.max(0, this.#policy.requests - this.#sent.length);
    const allowed =
      this.#allowance && now < this.#allowance.until ? Math.min(local, this.#allowance.remaining) : local;
    return {
      fingerprint: this.fingerprint,
      tokens: now < this.#pausedUntil ? 0 : Math.max(0, allowed),
      pausedUntil: now < this.#pausedUntil ? this.#pausedUntil : undefined,
      server: this.#server,
    };
  }

  /** Routine work leaves a twentieth of the budget (at least one call, when there are two) to urgent work. */
  #limit(priority: RequestPriority): number {
    const { requests } = this.#policy;
    if (priority === "urgent" || requests < 2) return requests;
    return requests - Math.max(1, Math.floor(requests / 20));
  }

  #hasWaitersBefore(priority: RequestPriority): boolean {
    return priority === "urgent"
      ? this.#waiters.urgent.length > 0
      : this.#waiters.urgent.length + this.#waiters.routine.length > 0;
  }

  #spend(): void {
    this.#sent.push(this.#clock.now());
    if (this.#allowance) this.#allowance.remaining--;
  }

  /** Serves waiters in order, urgent first, while the budget lets them go; then sleeps until it may again. */
  #serve(): void {
    for (const priority of ["urgent", "routine"] as const) {
      const queue = this.#waiters[priority];
      while (queue.length > 0 && this.waitMs(priority) === 0) {
        this.#spend();
        queue.shift()?.resolve();
      }
      // A routine caller never overtakes an urgent one still waiting.
      if (queue.length > 0) break;
    }
    this.#schedule();
  }

  #schedule(): void {
    const next =
      this.#waiters.urgent.length > 0 ? "urgent" : this.#waiters.routine.length > 0 ? "routine" : undefined;
    if (next === undefined || this.#closed) return;
    const wakeAt = this.#clock.now() + Math.max(1, this.waitMs(next));
    if (this.#wakeAt !== undefined && this.#wakeAt <= wakeAt) return;
    this.#wakeAt = wakeAt;
    void this.#clock.sleep(wakeAt - this.#clock.now()).then(() => {
      if (this.#wakeAt !== wakeAt) return;
      this.#wakeAt = undefined;
      this.#serve();
    });
  }

  /** Forgets calls older than the window; returns now. */
  #prune(): number {
    const now = this.#clock.now();
    const horizon = now - this.#windowMs;
    let expired = 0;
    while (expired < this.#sent.length && (this.#sent[expired] ?? now) <= horizon) expired++;
    if (expired > 0) this.#sent.splice(0, expired);
    return now;
  }
}

/** One budget per credential fingerprint, shared by every client of that credential in the process. */
export class RateLimiterRegistry {
  readonly #policy: RateLimitPolicy;
  readonly #clock: Clock;
  readonly #limiters = new Map<string, CredentialRateLimiter>();

  constructor(options: { policy?: Partial<RateLimitPolicy>; clock?: Clock } = {}) {
    const policy = { ...defaultRateLimitPolicy, ...options.policy };
    if (!(policy.requests >= 1 && policy.windowSeconds > 0)) {
      throw new RangeError("rate limit policy needs requests >= 1 and windowSeconds > 0");
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

  /** Abandons every wait for the budget (shutdown). */
  close(): void {
    for (const limiter of this.#limiters.values()) limiter.close();
  }

  /** Remaining headroom of every credential seen so far (for `cfsaas_cloudflare_ratelimit_remaining`). */
  headroom(): Headroom[] {
    return [...this.#limiters.values()].map((limiter) => limiter.headroom());
  }
}
