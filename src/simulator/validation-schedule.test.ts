import { describe, expect, it } from "vitest";
import {
  CERTIFICATE_VALIDATION_SCHEDULE,
  firstCheckAt,
  firstCheckAtOrAfter,
  HOSTNAME_VALIDATION_SCHEDULE,
  lastCheckAt,
} from "./validation-schedule.ts";

const sum = (delays: readonly number[]) => delays.reduce((a, b) => a + b, 0);

describe("hostname validation schedule", () => {
  it("matches Cloudflare's published delays", () => {
    const published: Record<number, number> = {
      0: 60,
      1: 63,
      2: 66,
      5: 76,
      9: 93,
      10: 242,
      15: 488,
      20: 981,
      25: 1975,
      30: 3972,
      35: 7990,
      39: 13975,
      40: 14400,
      74: 14400,
    };
    for (const [n, delay] of Object.entries(published))
      expect(HOSTNAME_VALIDATION_SCHEDULE[Number(n)], `retry ${n}`).toBe(delay);
  });

  it("runs 75 checks over about seven days, the first ten within about 12.5 minutes", () => {
    expect(HOSTNAME_VALIDATION_SCHEDULE).toHaveLength(75);
    expect(sum(HOSTNAME_VALIDATION_SCHEDULE) / 3600).toBeCloseTo(169.5, 0);
    expect(sum(HOSTNAME_VALIDATION_SCHEDULE.slice(0, 10)) / 60).toBeCloseTo(12.5, 0);
  });
});

describe("certificate validation schedule", () => {
  it("grows by 5 % from one minute, capped at four hours, and keeps checking for seven days", () => {
    expect(CERTIFICATE_VALIDATION_SCHEDULE.slice(0, 3)).toEqual([60, 63, 66]);
    expect(Math.max(...CERTIFICATE_VALIDATION_SCHEDULE)).toBe(14400);
    expect(sum(CERTIFICATE_VALIDATION_SCHEDULE)).toBeGreaterThanOrEqual(7 * 86_400);
  });
});

describe("check times", () => {
  const schedule = [60, 63, 66];

  it("finds the first check at or after a moment", () => {
    expect(firstCheckAtOrAfter(schedule, 0, 0)).toBe(60_000);
    expect(firstCheckAtOrAfter(schedule, 0, 60_000)).toBe(60_000);
    expect(firstCheckAtOrAfter(schedule, 0, 60_001)).toBe(123_000);
    expect(firstCheckAtOrAfter(schedule, 1000, 0)).toBe(61_000);
  });

  it("has no check left once the schedule is exhausted", () => {
    expect(firstCheckAtOrAfter(schedule, 0, 189_001)).toBeUndefined();
  });

  it("knows the first and the last check", () => {
    expect(firstCheckAt(schedule, 5000)).toBe(65_000);
    expect(lastCheckAt(schedule, 0)).toBe(189_000);
  });
});
