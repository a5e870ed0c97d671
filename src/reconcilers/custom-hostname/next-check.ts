/**
 * When to look at a CustomHostname again, the one place that decides it. decide.ts says what is true and what to
 * do, and how the reconcile ended (`SettledOn`); this turns that into a delay. The delay is also written to
 * `status.nextCheckTime`, which shows users when the operator looks next and carries the schedule across restarts
 * (a refusal keeps its retry time, a validation check already scheduled sooner stays).
 */
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import {
  ACTIVE_RECHECK_MS,
  keepSooner,
  MIN_CHECK_DELAY_MS,
  nextValidationCheckMs,
  WAITING_ON_USER_RECHECK_MS,
} from "../schedule.ts";

/** How a reconcile ended, as far as the time of the next look depends on it. */
export type SettledOn =
  /** Waiting on the user (FallbackOrigin, Secret, a conflict, a blocked deletion): their change wakes us anyway. */
  | { kind: "waitingOnUser" }
  /** Cloudflare's copy of the hostname was read; `wrote` when this reconcile created or edited it. */
  | { kind: "hostname"; hostname: CloudflareHostname; wrote: boolean }
  /** A Cloudflare call failed: wait as long as the failure asks, even past a check scheduled sooner. */
  | { kind: "failure"; delayMs: number }
  /** Cloudflare refused this spec and the scheduled retry is not due: keep that time. */
  | { kind: "refusalWaiting" }
  /** A create waiting for the request budget: look again when its turn is near. */
  | { kind: "queued"; delayMs: number };

export interface NextCheckInput {
  now: Date;
  /** `status.nextCheckTime` before this reconcile: the look already scheduled. */
  scheduled: string | undefined;
  /** The Ready condition's last transition after this reconcile: a certificate renewal or reissue restarts checks. */
  readySince: string | undefined;
  /** `status.dnsRefreshTime`: the operator's last re-validation request on a DNS change restarted the checks. */
  dnsRefreshedAt: string | undefined;
  /** Multiplies Cloudflare's validation schedule (1 in production; less against an accelerated simulator). */
  scheduleScale: number;
}

/** Milliseconds from `now` to the next look, never less than MIN_CHECK_DELAY_MS. */
export function nextCheck(input: NextCheckInput, settledOn: SettledOn): number {
  const scheduledMs = Date.parse(input.scheduled ?? "") - input.now.getTime();
  switch (settledOn.kind) {
    case "waitingOnUser":
      return keepSooner(scheduledMs, WAITING_ON_USER_RECHECK_MS);
    case "failure":
    case "queued":
      return Math.max(MIN_CHECK_DELAY_MS, settledOn.delayMs);
    case "refusalWaiting":
      return Math.max(MIN_CHECK_DELAY_MS, Number.isNaN(scheduledMs) ? 0 : scheduledMs);
    case "hostname":
      return keepSooner(scheduledMs, hostnameDelay(input, settledOn.hostname, settledOn.wrote));
  }
}

/**
 * Active: a long safety look (the zone poller keeps it fresh). Otherwise right after Cloudflare's next own
 * check, counted from the latest of the hostname's creation, the last time Ready changed, the last refresh on a
 * DNS change, and a write made in this reconcile: each of them restarts Cloudflare's checks
 * (docs/cloudflare-api.md#validation-backoff-schedule).
 */
function hostnameDelay(input: NextCheckInput, hostname: CloudflareHostname, wrote: boolean): number {
  if (hostname.status === "active" && hostname.ssl?.status === "active") return ACTIVE_RECHECK_MS;
  return checkDelayFrom(
    [
      hostname.created_at,
      input.readySince,
      input.dnsRefreshedAt,
      wrote ? input.now.toISOString() : undefined,
    ],
    input.now,
    input.scheduleScale,
  );
}

/**
 * Milliseconds to Cloudflare's next own check of a pending hostname counted only from the restarts the operator
 * knows for certain: the hostname's creation and its own last refresh on a DNS change. The DNS watch asks
 * Cloudflare to re-validate when this is far off (dns-status.ts). Unlike the look above it leaves out the last
 * change of Ready, which only suggests a restart: an estimate too long costs one refresh Cloudflare did not need,
 * one too short would leave the customer waiting for hours.
 */
export function cloudflareCheckInMs(
  hostname: CloudflareHostname,
  dnsRefreshedAt: string | undefined,
  now: Date,
  scheduleScale: number,
): number {
  return checkDelayFrom([hostname.created_at, dnsRefreshedAt], now, scheduleScale);
}

/** The next check after now of the schedule restarted at the latest of `starts` (now when none is known). */
function checkDelayFrom(starts: ReadonlyArray<string | undefined>, now: Date, scale: number): number {
  const times = starts.map((time) => Date.parse(time ?? "")).filter((time) => !Number.isNaN(time));
  const since = times.length > 0 ? Math.max(...times) : now.getTime();
  return nextValidationCheckMs(new Date(since), now, scale);
}

/** The most of the request budget zone listings take while creates wait for it. */
export const ROLLOUT_LISTING_SHARE = 1 / 50;

export interface ListingInput {
  /** CustomHostnames waiting for their create (pending-creates.ts). */
  createsPending: number;
  /** The zone's last listing: when it was taken, and how many requests (pages) a listing takes now. */
  last: { takenAt: number; pages: number } | undefined;
  /** The credential's request budget. */
  budget: { requests: number; windowSeconds: number };
  now: number;
}

/**
 * Whether a zone listing (the periodic poll, or one for due validation checks) waits: while hostnames wait for
 * their create, listings are spaced so that they take at most ROLLOUT_LISTING_SHARE of the request budget. A create is what
 * lets a customer's hostname go live, and Cloudflare validates whether or not the operator looks; the statuses of
 * hostnames created earlier in the rollout are refreshed less often meanwhile.
 */
export function listingWaitsForCreates(input: ListingInput): boolean {
  const { createsPending, last, budget, now } = input;
  if (!last || createsPending === 0) return false;
  const spacingMs = (last.pages / (budget.requests * ROLLOUT_LISTING_SHARE)) * budget.windowSeconds * 1000;
  return now - last.takenAt < spacingMs;
}
