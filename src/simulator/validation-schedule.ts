/**
 * Cloudflare's validation backoff schedules as delays in seconds before each check
 * (docs/cloudflare-api.md#validation-backoff-schedule): 75 hostname checks; the certificate schedule has no
 * documented end, so the simulator keeps checking it for the same 7 days as the hostname.
 */
import {
  certificateValidationDelaySeconds,
  HOSTNAME_VALIDATION_RETRIES,
  hostnameValidationDelaySeconds,
} from "../cloudflare/validation-backoff.ts";

export type ValidationSchedule = readonly number[];

const SEVEN_DAYS = 7 * 86_400;

export const HOSTNAME_VALIDATION_SCHEDULE: ValidationSchedule = Array.from(
  { length: HOSTNAME_VALIDATION_RETRIES },
  (_, n) => hostnameValidationDelaySeconds(n),
);

export const CERTIFICATE_VALIDATION_SCHEDULE: ValidationSchedule = (() => {
  const delays: number[] = [];
  for (let total = 0, n = 0; total < SEVEN_DAYS; n++) {
    const delay = certificateValidationDelaySeconds(n);
    delays.push(delay);
    total += delay;
  }
  return delays;
})();

/** When the schedule started at `startMs` checks for the first time at or after `sinceMs`; undefined once exhausted. */
export function firstCheckAtOrAfter(
  schedule: ValidationSchedule,
  startMs: number,
  sinceMs: number,
): number | undefined {
  let at = startMs;
  for (const delay of schedule) {
    at += delay * 1000;
    if (at >= sinceMs) return at;
  }
  return undefined;
}

export function firstCheckAt(schedule: ValidationSchedule, startMs: number): number {
  return startMs + (schedule[0] ?? 0) * 1000;
}

export function lastCheckAt(schedule: ValidationSchedule, startMs: number): number {
  return startMs + schedule.reduce((sum, delay) => sum + delay, 0) * 1000;
}
