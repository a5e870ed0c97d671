import { describe, expect, it } from "vitest";
import { createSimulatedClock } from "./clock.ts";

describe("simulated clock", () => {
  it("starts at the wall clock and runs timeScale times faster", () => {
    let real = 1_000_000;
    const clock = createSimulatedClock(60, () => real);
    expect(clock.now()).toBe(1_000_000);
    real += 1000;
    expect(clock.now()).toBe(1_000_000 + 60_000);
  });

  it("jumps ahead on advance", () => {
    const clock = createSimulatedClock(1, () => 0);
    clock.advance(3600);
    expect(clock.now()).toBe(3_600_000);
  });

  it("maps a simulated instant back to the wall-clock time it happened at", () => {
    let real = 1_000_000;
    const clock = createSimulatedClock(60, () => real);
    real += 1000;
    const happened = clock.now();
    real += 5000;
    expect(clock.wall(happened)).toBe(1_001_000);
    clock.advance(3600);
    expect(clock.wall(clock.now())).toBe(real);
  });

  it("refuses a time scale that is not positive", () => {
    expect(() => createSimulatedClock(0)).toThrow("timeScale");
  });
});
