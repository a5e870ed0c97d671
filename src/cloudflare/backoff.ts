export interface BackoffPolicy {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay ever exceeds this. */
  capMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = { baseMs: 250, capMs: 15_000 };

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform delay in
 * [0, min(cap, base·2^(retry-1))), so replicas retrying after the same 5xx spread out instead of hitting
 * Cloudflare again in lockstep. `retry` counts from 1.
 */
export function fullJitterDelayMs(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
