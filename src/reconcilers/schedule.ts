/**
 * The delays every kind's `nextCheck` is made of: when to look again at an object although nothing woke it.
 *
 * A hostname still validating is looked at once after each of Cloudflare's own checks (its backoff schedule:
 * docs/cloudflare-api.md#validation-backoff-schedule). Between two of them nothing changes in Cloudflare unless
 * someone edits the hostname, so reading more often only spends the request budget every reconciler of a credential
 * shares, while reading less often leaves status stale for hours. After Cloudflare's last retry someone may still
 * refresh the hostname, so the 4 h step goes on.
 */

import {
  hostnameValidationDelaySeconds,
  VALIDATION_MAX_DELAY_SECONDS as MAX_DELAY_S,
} from "../cloudflare/validation-backoff.ts";

/** The work queue cannot usefully requeue sooner, and a zero delay would spin. */
export const MIN_CHECK_DELAY_MS = 1000;
/** Active objects are refreshed by events and the zone poller; this only bounds how stale status gets if both stop. */
export const ACTIVE_RECHECK_MS = 60 * 60_000;
/**
 * Waiting on the user (a missing FallbackOrigin, a Secret to fix, a conflict to resolve): their changes wake the
 * controller anyway, so this look is a cheap safety net that costs no Cloudflare call.
 */
export const WAITING_ON_USER_RECHECK_MS = 5 * 60_000;

/**
 * A check already scheduled sooner than `delayMs` stays (the earliest due time wins, as in the work queue):
 * recomputing it on every reconcile would rewrite every object's status on every zone poll.
 */
export function keepSooner(scheduledMs: number, delayMs: number): number {
  return scheduledMs >= MIN_CHECK_DELAY_MS && scheduledMs <= delayMs
    ? scheduledMs
    : Math.max(MIN_CHECK_DELAY_MS, delayMs);
}

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
    const delayS = hostnameValidationDelaySeconds(n);
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
