import { describe, expect, it } from "vitest";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { BudgetWaitAborted, parseRatelimitHeader, RateLimiterRegistry } from "./rate-limiter.ts";

/** 20 calls in any 10 s window: routine work may use 19 of them, the last is kept for urgent work. */
const policy = { requests: 20, windowSeconds: 10 };

function takeAll(
  limiter: { tryTake(priority?: "urgent" | "routine"): boolean },
  priority?: "urgent" | "routine",
) {
  let taken = 0;
  while (limiter.tryTake(priority)) taken++;
  return taken;
}

describe("the per-credential request budget", () => {
  it("lets work that fits in the window go at once, without pacing", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    expect(takeAll(limiter)).toBe(19);
    expect(limiter.waitMs()).toBe(10_000);
  });

  it("frees each call exactly when the call it replaces ages out of the window", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    for (let second = 0; second < 19; second++) {
      expect(limiter.tryTake()).toBe(true);
      clock.advance(500);
    }
    // 19 calls over 9.5 s: the first ages out 10 s after it went, 0.5 s from now.
    expect(limiter.waitMs()).toBe(500);
    clock.advance(499);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1);
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.tryTake()).toBe(false);
  });

  it("keeps a share of the window for urgent work: deletes and edits are not stuck behind a rollout", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    expect(takeAll(limiter, "routine")).toBe(19);
    expect(limiter.tryTake("urgent")).toBe(true);
    expect(limiter.tryTake("urgent")).toBe(false);
  });

  it("serves waiting callers in order, urgent ones first, and never more than the window allows", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    takeAll(limiter, "urgent");
    const order: string[] = [];
    const waits = [
      limiter.take("routine").then(() => order.push("create-1")),
      limiter.take("routine").then(() => order.push("create-2")),
      limiter.take("urgent").then(() => order.push("delete")),
    ];
    await Promise.all(waits);
    expect(order).toEqual(["delete", "create-1", "create-2"]);
    // All three went when the window's first calls aged out, 10 s later: none before.
    expect(clock.now() - Date.UTC(2026, 10, 28)).toBe(10_000);
  });

  it("holds 60 routine calls to 19 per window", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    const start = clock.now();
    for (let call = 0; call < 60; call++) await limiter.take();
    // 19 at once, 19 after 10 s, 19 after 20 s, the last 3 after 30 s.
    expect(clock.now() - start).toBe(30_000);
  });

  it("estimates how long a create asked for now would queue, counting those ahead of it", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    expect(limiter.estimatedWaitMs()).toBe(0);
    takeAll(limiter);
    expect(limiter.estimatedWaitMs()).toBe(10_000);
    expect(limiter.estimatedWaitMs(18)).toBe(10_000);
    expect(limiter.estimatedWaitMs(19)).toBe(20_000);
  });

  it("estimates a long queue's turns from a window spent over time, as the calls would go", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    // 19 routine calls, one every 500 ms: they age out from 500 ms from now, one every 500 ms.
    for (let call = 0; call < 19; call++) {
      limiter.tryTake();
      clock.advance(500);
    }
    const estimates = Array.from({ length: 60 }, (_, ahead) => limiter.estimatedWaitMs(ahead));
    // Then 60 callers queue and each notes when it went: the estimates must be those times.
    const start = clock.now();
    const went: number[] = [];
    for (let call = 0; call < 60; call++) {
      await limiter.take();
      went.push(clock.now() - start);
    }
    expect(estimates).toEqual(went);
    expect(estimates.slice(0, 3)).toEqual([500, 1_000, 1_500]);
    expect(estimates[19]).toBe(10_500);
  });

  it("abandons every wait when closed, and starts no call afterwards", async () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry({ policy, clock });
    const limiter = registry.forCredential("fp-a");
    takeAll(limiter);
    const waiting = limiter.take();
    registry.close();
    await expect(waiting).rejects.toBeInstanceOf(BudgetWaitAborted);
    clock.advance(60_000);
    expect(limiter.tryTake()).toBe(false);
    await expect(limiter.take()).rejects.toBeInstanceOf(BudgetWaitAborted);
  });

  it("pauses every caller of the credential for the whole retry-after of a 429", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    limiter.pauseFor(30);
    expect(limiter.tryTake("urgent")).toBe(false);
    expect(limiter.headroom().pausedUntil).toBe(clock.now() + 30_000);
    clock.advance(29_999);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1);
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.headroom().pausedUntil).toBeUndefined();
  });

  it("shares one budget between two clients of the same credential", () => {
    const clock = new ManualClock();
    const registry = new RateLimiterRegistry({ policy, clock });
    const first = registry.forCredential("fp-a");
    const second = registry.forCredential("fp-a");
    expect(takeAll(first)).toBe(19);
    expect(takeAll(second)).toBe(0);
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
    expect(takeAll(b)).toBe(19);
    expect(registry.headroom().map((h) => [h.fingerprint, h.tokens, h.pausedUntil !== undefined])).toEqual([
      ["fp-a", 0, true],
      ["fp-b", 1, false],
    ]);
  });

  it("spends no more than Cloudflare says remain, and stops when it says none do", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ policy, clock }).forCredential("fp-a");
    limiter.observeServerLimit({ remaining: 1, resetSeconds: 40 });
    expect(takeAll(limiter)).toBe(1);
    expect(limiter.waitMs()).toBe(40_000);
    clock.advance(5_000);
    limiter.observeServerLimit({ remaining: 0, resetSeconds: 40 });
    expect(limiter.waitMs()).toBe(40_000);
    expect(limiter.headroom().server).toEqual({ remaining: 0, resetSeconds: 40 });
  });

  it("defaults to 1,000 requests in any 300 s, under Cloudflare's 1,200", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiterRegistry({ clock }).forCredential("fp-a");
    const start = clock.now();
    const sent: number[] = [];
    while (clock.now() - start < 900_000) {
      await limiter.take(sent.length % 10 === 0 ? "urgent" : "routine");
      sent.push(clock.now());
    }
    const most = Math.max(
      ...sent.map((at) => sent.filter((other) => other >= at && other < at + 300_000).length),
    );
    expect(most).toBeLessThanOrEqual(1_000);
    expect(most).toBeGreaterThan(900);
  });

  it("rejects a policy that could never let a call through", () => {
    expect(() => new RateLimiterRegistry({ policy: { requests: 0 } })).toThrow(RangeError);
    expect(() => new RateLimiterRegistry({ policy: { windowSeconds: 0 } })).toThrow(RangeError);
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
