/**
 * When to look again at a hostname that is still validating.
 *
 * Cloudflare re-checks a pending hostname on a backoff of its own (API-NOTES §9, docs
 * domain-support/hostname-validation/backoff-schedule): the delay before retry n is
 * `min(floor(60·1.05^n) s, 4 h)` for the first 10 retries, then `min(floor(60·1.15^n) s, 4 h)`; 75 retries span
 * about 7 days. Between two of its checks nothing changes in Cloudflare unless someone edits the hostname, so
 * reading more often only spends the 1,200 requests / 5 min every reconciler of a credential shares, while reading
 * less often leaves status stale for hours. Looking once after each of Cloudflare's checks is both cheap and fresh.
 * After the 75th retry Cloudflare gives up, but someone may still refresh the hostname, so the 4 h step goes on.
 */

import {
  hostnameValidationDelaySeconds,
  VALIDATION_MAX_DELAY_SECONDS as MAX_DELAY_S,
} from "../cloudflare/validation-backoff.ts";

/** The work queue cannot usefully requeue sooner, and a zero delay would spin. */
export const MIN_CHECK_DELAY_MS = 1000;

/** Seconds Cloudflare waits before its validation retry number `n` (0-based). */
export const validationRetryDelaySeconds = hostnameValidationDelaySeconds;

/**
 * Milliseconds from `now` to the first of Cloudflare's check times after `now`, counting the schedule from `since`
 * (the hostname's creation, or the last spec change or refresh, which restarts Cloudflare's schedule). `scale`
 * shrinks the schedule for the simulator's accelerated time (1 in production). Never less than 1 s.
 */
export function nextValidationCheckMs(since: Date, now: Date, scale = 1): number {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`the validation schedule scale must be a positive number, got ${scale}`);
  }
  const elapsedMs = now.getTime() - since.getTime();
  let pointMs = 0;
  for (let n = 0; ; n++) {
    const delayS = validationRetryDelaySeconds(n);
    const delayMs = delayS * 1000 * scale;
    if (delayS === MAX_DELAY_S) {
      // Every later step is the 4 h cap (and pointMs ≤ elapsedMs here): jump to the first one after now
      // instead of walking up to a week of steps one by one.
      pointMs += (Math.floor((elapsedMs - pointMs) / delayMs) + 1) * delayMs;
      return Math.max(MIN_CHECK_DELAY_MS, Math.ceil(pointMs - elapsedMs));
    }
    pointMs += delayMs;
    if (pointMs > elapsedMs) return Math.max(MIN_CHECK_DELAY_MS, Math.ceil(pointMs - elapsedMs));
  }
}
