import { setTimeout as delay } from "node:timers/promises";

/** Time as the limiter and the retry loop see it; tests replace it to step through hours in microseconds. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => (ms > 0 ? delay(ms) : Promise.resolve()),
};
