import { describe, expect, it } from "vitest";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { parseRatelimitHeader, RateLimiterRegistry } from "./rate-limiter.ts";

/** 10 requests per 10 s = one per second, with a burst of 3. */
const policy = { requests: 10, windowSeconds: 10, burst: 3 };

function takeAll(limiter: { tryTake(): boolean }): number {
  let taken = 0;
  while (limiter.tryTake()) taken++;
  return taken;
}

describe("the per-credential token bucket", () => {
  it("lets a burst through, then refuses until tokens refill at the sustained rate", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    expect(takeAll(limiter)).toBe(3);
    expect(limiter.waitMs()).toBe(1_000);
    clock.advance(999);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1);
    expect(limiter.tryTake()).toBe(true);
    clock.advance(2_500);
    expect(takeAll(limiter)).toBe(2);
  });

  it("never stores more than the burst however long it was idle", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    takeAll(limiter);
    clock.advance(3_600_000);
    expect(takeAll(limiter)).toBe(3);
  });

  it("makes a waiting caller sleep exactly until its token is due", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    takeAll(limiter);
    const before = clock.now();
    await limiter.take();
    expect(clock.now() - before).toBe(1_000);
  });

  it("holds 60 calls to the configured rate after the burst", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    const start = clock.now();
    for (let call = 0; call < 60; call++) await limiter.take();
    // 3 immediately, then one per second for the other 57.
    expect(clock.now() - start).toBe(57_000);
  });

  it("pauses every caller of the credential for the whole retry-after of a 429", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    limiter.pauseFor(30);
    expect(limiter.tryTake()).toBe(false);
    expect(limiter.headroom().pausedUntil).toBe(clock.now() + 30_000);
    clock.advance(29_999);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1);
    // The bucket restarts empty: tokens accrue only once the pause is over.
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1_000);
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.headroom().pausedUntil).toBeUndefined();
  });

  it("shares one bucket between two clients of the same credential", () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry({ policy, clock });
    const first = registry.forCredential("fp-a");
    const second = registry.forCredential("fp-a");
    expect(first.tryTake() && first.tryTake()).toBe(true);
    expect(takeAll(second)).toBe(1);
    first.pauseFor(60);
    clock.advance(10_000);
    expect(second.tryTake()).toBe(false);
  });

  it("keeps different credentials apart", () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry({ policy, clock });
    const a = registry.forCredential("fp-a");
    const b = registry.forCredential("fp-b");
    takeAll(a);
    a.pauseFor(300);
    expect(takeAll(b)).toBe(3);
    expect(registry.headroom().map((h) => [h.fingerprint, h.tokens, h.pausedUntil !== undefined])).toEqual([
      ["fp-a", 0, true],
      ["fp-b", 0, false],
    ]);
  });

  it("spends no more than Cloudflare says remain, and stops when it says none do", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    limiter.observeServerLimit({ remaining: 1, resetSeconds: 40 });
    expect(takeAll(limiter)).toBe(1);
    clock.advance(5_000);
    limiter.observeServerLimit({ remaining: 0, resetSeconds: 40 });
    expect(limiter.waitMs()).toBe(40_000);
    expect(limiter.headroom().server).toEqual({ remaining: 0, resetSeconds: 40 });
  });

  it("defaults to 1,000 requests per 300 s with a small burst, under Cloudflare's 1,200", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ clock }).forCredential("fp-a");
    const start = clock.now();
    let calls = 0;
    while (clock.now() - start < 300_000) {
      await limiter.take();
      if (clock.now() - start < 300_000) calls++;
    }
    expect(calls).toBeLessThanOrEqual(1_200);
    expect(calls).toBeGreaterThan(900);
  });

  it("rejects a policy that could never let a call through", () => {
    expect(() => new RateLimiterRegistry({ policy: { burst: 0 } })).toThrow(RangeError);
    expect(() => new RateLimiterRegistry({ policy: { requests: 0 } })).toThrow(RangeError);
  });
});

describe("reading Cloudflare's Ratelimit header", () => {
  it("extracts the remaining requests and the seconds to reset", () => {
    expect(parseRatelimitHeader('"default";r=50;t=30')).toEqual({ remaining: 50, resetSeconds: 30 });
    expect(parseRatelimitHeader('"default";r=0;t=299, "burst";r=9;t=1')).toEqual({
      remaining: 0,
      resetSeconds: 299,
    });
  });

  it("ignores a header it cannot read", () => {
    expect(parseRatelimitHeader(undefined)).toBeUndefined();
    expect(parseRatelimitHeader('"default";t=30')).toBeUndefined();
    expect(parseRatelimitHeader('"default";r=lots;t=30')).toBeUndefined();
  });
});
