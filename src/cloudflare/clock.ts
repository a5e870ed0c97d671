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

/** A clock that moves only when told to or slept on, so tests step through minutes of back-off instantly. */
export class ManualClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 10, 28)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.#now += Math.max(0, ms);
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
