import { describe, expect, it } from "vitest";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import { ACTIVE_RECHECK_MS, MIN_CHECK_DELAY_MS, WAITING_ON_USER_RECHECK_MS } from "../schedule.ts";
import {
  cloudflareCheckInMs,
  listingWaitsForCreates,
  type NextCheckInput,
  nextCheck,
  type SettledOn,
} from "./next-check.ts";

const now = new Date("2026-12-01T12:00:00Z");
const minutes = (n: number) => n * 60_000;
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();

function hostname(status: string, sslStatus: string, createdAgoMs: number): CloudflareHostname {
  return {
    id: "id-1",
    hostname: "app.customer.com",
    status,
    ssl: { status: sslStatus },
    created_at: at(-createdAgoMs),
  } as CloudflareHostname;
}

const active = hostname("active", "active", minutes(600));
/** Created 30 s ago: Cloudflare's first check is at 60 s, so 30 s from now. */
const fresh = hostname("pending", "pending_validation", 30_000);
/** Created 10 min ago; Cloudflare's checks fell at 60 s, 123 s, 189 s, … 10 min 55 s. */
const validating = hostname("pending", "pending_validation", minutes(10));

interface Row {
  why: string;
  settledOn: SettledOn;
  scheduled?: number;
  readySince?: number;
  dnsRefreshedAt?: number;
  expected: number;
}

const rows: Row[] = [
  {
    why: "waiting on the user: a cheap look every 5 minutes",
    settledOn: { kind: "waitingOnUser" },
    expected: WAITING_ON_USER_RECHECK_MS,
  },
  {
    why: "waiting on the user keeps a validation check scheduled sooner",
    settledOn: { kind: "waitingOnUser" },
    scheduled: minutes(2),
    expected: minutes(2),
  },
  {
    why: "active: a long safety look",
    settledOn: { kind: "hostname", hostname: active, wrote: false },
    expected: ACTIVE_RECHECK_MS,
  },
  {
    why: "active, with a sooner look already scheduled: it stays",
    settledOn: { kind: "hostname", hostname: active, wrote: false },
    scheduled: minutes(10),
    expected: minutes(10),
  },
  {
    why: "validating: right after Cloudflare's next check, counted from creation",
    settledOn: { kind: "hostname", hostname: fresh, wrote: false },
    expected: 30_000,
  },
  {
    why: "validating: a write in this reconcile restarts Cloudflare's schedule",
    settledOn: { kind: "hostname", hostname: validating, wrote: true },
    expected: 60_000,
  },
  {
    why: "validating: Ready changing (a reissue) restarts Cloudflare's schedule",
    settledOn: { kind: "hostname", hostname: validating, wrote: false },
    readySince: -10_000,
    expected: 50_000,
  },
  {
    why: "validating: the operator's last refresh on a DNS change restarted Cloudflare's schedule",
    settledOn: { kind: "hostname", hostname: validating, wrote: false },
    dnsRefreshedAt: -20_000,
    expected: 40_000,
  },
  {
    why: "validating: a check scheduled later than Cloudflare's next one is brought forward",
    settledOn: { kind: "hostname", hostname: fresh, wrote: false },
    scheduled: minutes(20),
    expected: 30_000,
  },
  {
    why: "a failure waits as long as it asks, even past a check scheduled sooner",
    settledOn: { kind: "failure", delayMs: minutes(30) },
    scheduled: minutes(1),
    expected: minutes(30),
  },
  {
    why: "a failure never asks for less than the minimum",
    settledOn: { kind: "failure", delayMs: 0 },
    expected: MIN_CHECK_DELAY_MS,
  },
  {
    why: "a standing refusal keeps its scheduled retry",
    settledOn: { kind: "refusalWaiting" },
    scheduled: minutes(17),
    expected: minutes(17),
  },
  {
    why: "a standing refusal with nothing scheduled looks again at the minimum",
    settledOn: { kind: "refusalWaiting" },
    expected: MIN_CHECK_DELAY_MS,
  },
];

describe("nextCheck: when the operator looks at a CustomHostname again", () => {
  it.each(rows)("$why", ({ settledOn, scheduled, readySince, dnsRefreshedAt, expected }) => {
    const input: NextCheckInput = {
      now,
      scheduled: scheduled === undefined ? undefined : at(scheduled),
      readySince: readySince === undefined ? undefined : at(readySince),
      dnsRefreshedAt: dnsRefreshedAt === undefined ? undefined : at(dnsRefreshedAt),
      scheduleScale: 1,
    };
    expect(nextCheck(input, settledOn)).toBe(expected);
  });

  it("shrinks Cloudflare's schedule by the schedule scale (tests and the demo run time faster)", () => {
    const input: NextCheckInput = {
      now,
      scheduled: undefined,
      readySince: undefined,
      dnsRefreshedAt: undefined,
      scheduleScale: 0.01,
    };
    expect(nextCheck(input, { kind: "hostname", hostname: validating, wrote: true })).toBe(
      MIN_CHECK_DELAY_MS,
    );
    const slower = { ...input, scheduleScale: 0.5 };
    expect(nextCheck(slower, { kind: "hostname", hostname: validating, wrote: true })).toBe(30_000);
  });
});

describe("cloudflareCheckInMs: how far Cloudflare's next own check is, for the DNS watch's refresh", () => {
  it("counts from the hostname's creation: 30 h in, the next check is hours away", () => {
    const old = hostname("pending", "active", minutes(30 * 60));
    const delay = cloudflareCheckInMs(old, undefined, now, 1);
    expect(delay).toBeGreaterThan(minutes(60));
    expect(delay).toBeLessThanOrEqual(minutes(240));
  });

  it("counts from the operator's last refresh on a DNS change when that is later", () => {
    const old = hostname("pending", "active", minutes(30 * 60));
    expect(cloudflareCheckInMs(old, at(-20_000), now, 1)).toBe(40_000);
  });

  it("leaves the last change of Ready out: it only suggests a restart", () => {
    expect(cloudflareCheckInMs(validating, undefined, now, 1)).toBe(
      nextCheck(
        { now, scheduled: undefined, readySince: undefined, dnsRefreshedAt: undefined, scheduleScale: 1 },
        { kind: "hostname", hostname: validating, wrote: false },
      ),
    );
  });
});

describe("listingWaitsForCreates", () => {
  // Cloudflare's default budget: a 20-page listing may take a fiftieth of 1,000 per 300 s, so one per 300 s.
  const budget = { requests: 1000, windowSeconds: 300 };
  const waits = (createsPending: number, ageSeconds: number, pages = 20) =>
    listingWaitsForCreates({ createsPending, last: { takenAt: 0, pages }, budget, now: ageSeconds * 1000 });

  it("spaces listings while creates wait, so they take a fiftieth of the budget", () => {
    expect(waits(500, 299)).toBe(true);
    expect(waits(500, 300)).toBe(false);
    // A zone ten times larger is listed ten times less often.
    expect(waits(500, 2_999, 200)).toBe(true);
    expect(waits(500, 3_000, 200)).toBe(false);
  });

  it("never holds a listing back when no create waits, or when the zone was never listed", () => {
    expect(waits(0, 1)).toBe(false);
    expect(listingWaitsForCreates({ createsPending: 500, last: undefined, budget, now: 0 })).toBe(false);
  });
});
