/**
 * Cloudflare's documented validation backoff (API-NOTES §9), one source for both the simulator (which plays
 * Cloudflare's checks) and the operator (which looks again right after each of them).
 * Hostname validation (docs domain-support/hostname-validation/backoff-schedule): 75 retries over about 7 days;
 * the delay before retry n is `min(floor(60·1.05^n) s, 4 h)` for the first 10, then `min(floor(60·1.15^n) s, 4 h)`.
 * Certificate DCV (docs ssl/edge-certificates/changing-dcv-method/validation-backoff-schedule): `min(floor(60·1.05^n)
 * s, 4 h)`, with no documented count.
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
