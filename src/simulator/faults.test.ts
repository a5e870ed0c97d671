import { describe, expect, it } from "vitest";
import { FaultInjector, faultRulesSchema } from "./faults.ts";
import { createRandom, type RandomSource } from "./random.ts";

const LIST = "GET /zones/:zone_id/custom_hostnames";

function fixedRandom(value: number): RandomSource {
  return { ...createRandom(1), next: () => value };
}

describe("fault injector", () => {
  it("does nothing without rules", () => {
    expect(new FaultInjector(createRandom(1)).decide(LIST)).toBeUndefined();
  });

  it("applies the first matching rule and its latency", () => {
    const faults = new FaultInjector(fixedRandom(0.5));
    faults.setRules([
      { match: "GET /user/tokens/verify", serverErrorRate: 1 },
      { match: LIST, latencyMs: 200, serverErrorRate: 0.6 },
      { match: "*", resetRate: 1 },
    ]);
    expect(faults.decide(LIST)).toEqual({ latencyMs: 200, kind: "server_error", retryAfterSeconds: 1 });
    expect(faults.decide("GET /zones/:zone_id")?.kind).toBe("reset");
  });

  it("rolls each kind in turn: reset, server error, rate limit, malformed", () => {
    const faults = new FaultInjector(fixedRandom(0.5));
    faults.setRules([
      { match: "*", serverErrorRate: 0.4, rateLimitRate: 0.4, malformedRate: 0.9, retryAfterSeconds: 5 },
    ]);
    expect(faults.decide(LIST)).toEqual({ latencyMs: 0, kind: "malformed", retryAfterSeconds: 5 });
  });

  it("leaves a request alone when no roll fires and there is no latency", () => {
    const faults = new FaultInjector(fixedRandom(0.99));
    faults.setRules([{ match: "*", serverErrorRate: 0.5 }]);
    expect(faults.decide(LIST)).toBeUndefined();
    expect(faults.describe()[0]?.affected).toBe(0);
  });

  it("stops a rule after it affected `limit` requests, falling through to the next", () => {
    const faults = new FaultInjector(fixedRandom(0));
    faults.setRules([
      { match: LIST, serverErrorRate: 1, limit: 1 },
      { match: "*", rateLimitRate: 1 },
    ]);
    expect(faults.decide(LIST)?.kind).toBe("server_error");
    expect(faults.decide(LIST)?.kind).toBe("rate_limit");
  });

  it("repeats the same decisions for the same seed", () => {
    const run = () => {
      const faults = new FaultInjector(createRandom(42));
      faults.setRules([{ match: "*", serverErrorRate: 0.3 }]);
      return Array.from({ length: 50 }, () => faults.decide(LIST)?.kind ?? "ok");
    };
    expect(run()).toEqual(run());
    expect(run()).toContain("server_error");
    expect(run()).toContain("ok");
  });

  it("validates rule sets: rates within 0..1, positive limits, no unknown fields", () => {
    expect(
      faultRulesSchema.safeParse({ rules: [{ match: "*", serverErrorRate: 0.3, limit: 5 }] }).success,
    ).toBe(true);
    expect(faultRulesSchema.safeParse({ rules: [{ match: "*", serverErrorRate: 1.5 }] }).success).toBe(false);
    expect(faultRulesSchema.safeParse({ rules: [{ match: "*", limit: 0 }] }).success).toBe(false);
    expect(faultRulesSchema.safeParse({ rules: [{ match: "*", errorRate: 0.1 }] }).success).toBe(false);
  });
});
