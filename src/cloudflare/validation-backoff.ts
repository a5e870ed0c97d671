/**
 * Cloudflare's validation backoff schedules, implemented once: the simulator plays Cloudflare's checks with them and
 * the operator looks again right after each of them. The wait before check n (0-based) is `min(floor(60·1.05^n) s,
 * 4 h)`; for hostname validation, from n = 10 on it is `min(floor(60·1.15^n) s, 4 h)` with the same n (93 s at
 * n = 9, then 242 s), for 75 checks in all. Certificate DCV has no documented count. Sources, a table and the sums:
 * docs/cloudflare-api.md#validation-backoff-schedule.
 */
export const VALIDATION_MAX_DELAY_SECONDS = 4 * 3600;
export const HOSTNAME_VALIDATION_RETRIES = 75;
const FAST_RETRIES = 10;

/** Seconds Cloudflare waits before hostname validation retry `n` (0-based). */
export function hostnameValidationDelaySeconds(n: number): number {
  const growth = n < FAST_RETRIES ? 1.05 : 1.15;
  return Math.min(Math.floor(60 * growth ** n), VALIDATION_MAX_DELAY_SECONDS);
}

/** Seconds Cloudflare waits before certificate validation (DCV) retry `n` (0-based). */
export function certificateValidationDelaySeconds(n: number): number {
  return Math.min(Math.floor(60 * 1.05 ** n), VALIDATION_MAX_DELAY_SECONDS);
}
