import { describe, expect, it } from "vitest";
import { fullJitterDelayMs } from "./backoff.ts";

describe("full-jitter backoff", () => {
  const policy = { baseMs: 100, capMs: 1_000 };

  it("doubles the ceiling with each retry until the cap", () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 10].map((retry) => fullJitterDelayMs(retry, policy, almostOne))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
  });

  it("can pick no delay at all, so retries spread over the whole interval", () => {
    expect(fullJitterDelayMs(4, policy, () => 0)).toBe(0);
  });

  it("stays within [0, ceiling) for every random draw", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (retry - 1));
      const delays = Array.from({ length: 200 }, () => fullJitterDelayMs(retry, policy, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      // Jitter really spreads: the draws cover most of the interval, not one point.
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(ceiling * 0.8);
    }
  });
});
