import { describe, expect, it } from "vitest";
import { RateLimiter, rateLimitHeaders } from "./rate-limit.ts";

function limiter(requests: number, windowSeconds: number) {
  let now = 0;
  const rl = new RateLimiter({ requests, windowSeconds }, () => now);
  return { rl, tick: (ms: number) => (now += ms) };
}

describe("rate limiter", () => {
  it("allows the budget, then refuses until the window ends", () => {
    const { rl, tick } = limiter(2, 10);
    expect(rl.take("a")).toEqual({ allowed: true, remaining: 1, resetSeconds: 10 });
    expect(rl.take("a").allowed).toBe(true);
    tick(4_000);
    expect(rl.take("a")).toEqual({ allowed: false, remaining: 0, resetSeconds: 6 });
    tick(6_000);
    expect(rl.take("a")).toEqual({ allowed: true, remaining: 1, resetSeconds: 10 });
  });

  it("keeps separate budgets per key", () => {
    const { rl } = limiter(1, 10);
    expect(rl.take("a").allowed).toBe(true);
    expect(rl.take("a").allowed).toBe(false);
    expect(rl.take("b").allowed).toBe(true);
  });

  it("forgets every budget on reset", () => {
    const { rl } = limiter(1, 10);
    rl.take("a");
    rl.reset();
    expect(rl.take("a").allowed).toBe(true);
  });

  it("refuses a policy without a positive budget", () => {
    expect(() => new RateLimiter({ requests: 0, windowSeconds: 10 })).toThrow();
    expect(() =>
      new RateLimiter({ requests: 1, windowSeconds: 10 }).setPolicy({ requests: 1, windowSeconds: 0 }),
    ).toThrow();
  });

  it("takes a new policy with fresh windows", () => {
    const { rl, tick } = limiter(1, 10);
    rl.take("a");
    expect(rl.take("a").allowed).toBe(false);
    rl.setPolicy({ requests: 2, windowSeconds: 20 });
    tick(1_000);
    expect(rl.take("a")).toEqual({ allowed: true, remaining: 1, resetSeconds: 20 });
    expect(rl.take("a").allowed).toBe(true);
    expect(rl.take("a").allowed).toBe(false);
  });

  it("formats the Ratelimit headers, adding Retry-After only when refused", () => {
    const policy = { requests: 1200, windowSeconds: 300 };
    expect(rateLimitHeaders(policy, { allowed: true, remaining: 7, resetSeconds: 120 })).toEqual({
      Ratelimit: '"default";r=7;t=120',
      "Ratelimit-Policy": '"default";q=1200;w=300',
    });
    expect(rateLimitHeaders(policy, { allowed: false, remaining: 0, resetSeconds: 42 })["Retry-After"]).toBe(
      "42",
    );
  });
});
