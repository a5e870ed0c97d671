/**
 * Simulated time runs `timeScale` times faster than the wall clock, starting from the wall clock, so
 * timestamps look current while validation delays shrink. `advance` jumps ahead (admin API) to reach
 * week-long schedules in tests. The rate limit deliberately stays on real time (see rate-limit.ts).
 */
export type SimulatedClock = {
  /** Simulated epoch milliseconds. */
  now(): number;
  /**
   * The wall-clock instant a simulated one happened at. Timestamps the API reports (created_at, uploaded_on)
   * use it: Cloudflare reports real times, and clients compare them with their own clock (the operator tells
   * an adopted hostname from its own by comparing created_at with the resource's creationTimestamp).
   */
  wall(simulatedMs: number): number;
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
    wall: (simulatedMs: number) => origin + (simulatedMs - origin - offsetMs) / timeScale,
    advance: (seconds: number) => {
      offsetMs += seconds * 1000;
    },
  };
}
