/**
 * Simulated time runs `timeScale` times faster than the wall clock, starting from the wall clock, so
 * timestamps look current while validation delays shrink. `advance` jumps ahead (admin API) to reach
 * week-long schedules in tests. The rate limit deliberately stays on real time (see rate-limit.ts).
 */
export type SimulatedClock = {
  /** Simulated epoch milliseconds. */
  now(): number;
  advance(seconds: number): void;
  readonly timeScale: number;
};

export function createSimulatedClock(timeScale: number, realNow: () => number = Date.now): SimulatedClock {
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  const origin = realNow();
  let offsetMs = 0;
  return {
    timeScale,
    now: () => origin + (realNow() - origin) * timeScale + offsetMs,
    advance: (seconds: number) => {
      offsetMs += seconds * 1000;
    },
  };
}
