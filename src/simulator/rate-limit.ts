/**
 * Cloudflare's global API limit: 1,200 requests per 300 s per user (docs/cloudflare-api.md#rate-limits). Over it,
 * every call gets 429 until this window ends, which can be sooner than Cloudflare's 5-minute block. A fixed window
 * per credential, on real time: `timeScale` speeds validation, never the budget a client must respect.
 */
export type RateLimitPolicy = { requests: number; windowSeconds: number };

export type RateLimitVerdict = { allowed: boolean; remaining: number; resetSeconds: number };

export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { requests: 1200, windowSeconds: 300 };

function checkedPolicy(policy: RateLimitPolicy): RateLimitPolicy {
  if (!(policy.requests > 0 && policy.windowSeconds > 0)) {
    throw new Error(
      `rate limit needs positive requests and window, got ${policy.requests}/${policy.windowSeconds}`,
    );
  }
  return policy;
}

export class RateLimiter {
  #policy: RateLimitPolicy;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(policy: RateLimitPolicy, now: () => number = Date.now) {
    this.#policy = checkedPolicy(policy);
    this.#now = now;
  }

  get policy(): RateLimitPolicy {
    return this.#policy;
  }

  /**
   * Replaces the limit and starts every window afresh, for a benchmark that sets up a large fleet quickly and
   * then measures at Cloudflare's real limit (docs/benchmarks.md).
   */
  setPolicy(policy: RateLimitPolicy): void {
    this.#policy = checkedPolicy(policy);
    this.reset();
  }

  /** Counts one request for `key` and says whether it may proceed. */
  take(key: string): RateLimitVerdict {
    const now = this.#now();
    const windowMs = this.#policy.windowSeconds * 1000;
    let window = this.#windows.get(key);
    if (!window || now >= window.start + windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    const allowed = window.count < this.#policy.requests;
    if (allowed) window.count += 1;
    return {
      allowed,
      remaining: this.#policy.requests - window.count,
      resetSeconds: Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)),
    };
  }

  reset(): void {
    this.#windows.clear();
  }
}

/** `Ratelimit` and `Ratelimit-Policy` as Cloudflare sends them (docs/cloudflare-api.md#rate-limits). */
export function rateLimitHeaders(policy: RateLimitPolicy, verdict: RateLimitVerdict): Record<string, string> {
  const headers: Record<string, string> = {
    Ratelimit: `"default";r=${verdict.remaining};t=${verdict.resetSeconds}`,
    "Ratelimit-Policy": `"default";q=${policy.requests};w=${policy.windowSeconds}`,
  };
  if (!verdict.allowed) headers["Retry-After"] = String(verdict.resetSeconds);
  return headers;
}
