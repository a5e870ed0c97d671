import type { Clock } from "../../src/cloudflare/clock.ts";

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
