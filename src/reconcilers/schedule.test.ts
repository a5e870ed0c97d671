import { describe, expect, it } from "vitest";
import { hostnameValidationDelaySeconds as validationRetryDelaySeconds } from "../cloudflare/validation-backoff.ts";
import { keepSooner, MIN_CHECK_DELAY_MS, nextValidationCheckMs } from "./schedule.ts";

const since = new Date("2026-11-28T10:00:00Z");
const at = (seconds: number) => new Date(since.getTime() + seconds * 1000);

describe("validationRetryDelaySeconds", () => {
  it.each([
    [0, 60],
    [1, 63],
    [2, 66],
    [5, 76],
    [9, 93],
    [10, 242],
    [15, 488],
    [20, 981],
    [25, 1975],
    [30, 3972],
    [35, 7990],
    [39, 13975],
    [40, 14400],
    [74, 14400],
  ])("matches Cloudflare's published delay before retry %i (%i s)", (n, seconds) => {
    expect(validationRetryDelaySeconds(n)).toBe(seconds);
  });
});

describe("nextValidationCheckMs", () => {
  it("checks one minute after the hostname was created", () => {
    expect(nextValidationCheckMs(since, since)).toBe(60_000);
  });

  it("waits for the first of Cloudflare's checks that is still ahead", () => {
    // Checks at 60 s, 123 s, 189 s: at 100 s the next one is 23 s away.
    expect(nextValidationCheckMs(since, at(100))).toBe(23_000);
  });

  it("looks past a check that falls exactly on now", () => {
    expect(nextValidationCheckMs(since, at(60))).toBe(63_000);
  });

  it("switches to the slower growth after ten retries", () => {
    const tenChecks = Array.from({ length: 10 }, (_, n) => validationRetryDelaySeconds(n)).reduce(
      (sum, delay) => sum + delay,
      0,
    );
    expect(nextValidationCheckMs(since, at(tenChecks))).toBe(242_000);
  });

  it("never waits longer than four hours, even weeks after creation", () => {
    for (const days of [2, 7, 30, 365]) {
      const delay = nextValidationCheckMs(since, at(days * 86_400 + 17));
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(4 * 3600 * 1000);
    }
  });

  it("lands on the same check times before and after the four-hour cap", () => {
    // Walking the schedule step by step and the shortcut past the cap agree on every point.
    let point = 0;
    for (let n = 0; n < 80; n++) {
      const previous = point;
      point += validationRetryDelaySeconds(n);
      expect(nextValidationCheckMs(since, at(previous))).toBe((point - previous) * 1000);
    }
  });

  it("runs the schedule faster by the scale the simulator's accelerated time needs", () => {
    expect(nextValidationCheckMs(since, since, 0.1)).toBe(6_000);
    expect(nextValidationCheckMs(since, at(7), 0.1)).toBe(5_300);
  });

  it("never asks for less than one second", () => {
    expect(nextValidationCheckMs(since, since, 0.001)).toBe(1_000);
  });

  it("counts from a creation time in the future as if it were now plus the skew", () => {
    expect(nextValidationCheckMs(at(30), since)).toBe(90_000);
  });

  it("refuses a scale that would never advance", () => {
    expect(() => nextValidationCheckMs(since, since, 0)).toThrow(RangeError);
    expect(() => nextValidationCheckMs(since, since, Number.NaN)).toThrow(RangeError);
  });
});

describe("keepSooner", () => {
  it.each([
    { scheduled: 30_000, delay: 60_000, next: 30_000, why: "a sooner check already scheduled stays" },
    { scheduled: 90_000, delay: 60_000, next: 60_000, why: "a later one is brought forward" },
    { scheduled: Number.NaN, delay: 60_000, next: 60_000, why: "nothing scheduled yet" },
    { scheduled: 500, delay: 60_000, next: 60_000, why: "one due now is not kept: it was just done" },
    { scheduled: -5_000, delay: 60_000, next: 60_000, why: "one overdue is not kept either" },
    { scheduled: Number.NaN, delay: 0, next: MIN_CHECK_DELAY_MS, why: "never sooner than the minimum" },
  ])("$why", ({ scheduled, delay, next }) => {
    expect(keepSooner(scheduled, delay)).toBe(next);
  });
});
