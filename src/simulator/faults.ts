import { z } from "zod";
import type { RandomSource } from "./random.ts";

const rate = z.number().min(0).max(1).optional();

/** One rule of `POST /__sim/faults`; `match` is `"METHOD /route/template"` or `"*"`. */
export const faultRuleSchema = z.strictObject({
  match: z.string().min(1),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  serverErrorRate: rate,
  rateLimitRate: rate,
  resetRate: rate,
  malformedRate: rate,
  /** Affect at most this many requests, then stop matching. */
  limit: z.number().int().positive().optional(),
  /** `retry-after` on injected 429s (default 1 s, to keep tests quick). */
  retryAfterSeconds: z.number().int().positive().optional(),
});

export const faultRulesSchema = z.strictObject({ rules: z.array(faultRuleSchema) });

export type FaultRule = z.infer<typeof faultRuleSchema>;

export type FaultKind = "reset" | "server_error" | "rate_limit" | "malformed";

export type FaultDecision = { latencyMs: number; kind?: FaultKind; retryAfterSeconds: number };

const ROLLS: Array<[FaultKind, keyof FaultRule]> = [
  ["reset", "resetRate"],
  ["server_error", "serverErrorRate"],
  ["rate_limit", "rateLimitRate"],
  ["malformed", "malformedRate"],
];

/** Decides, per request, which injected fault (if any) it suffers; rolls come from the seeded source. */
export class FaultInjector {
  readonly #random: RandomSource;
  #rules: Array<{ rule: FaultRule; affected: number }> = [];

  constructor(random: RandomSource) {
    this.#random = random;
  }

  setRules(rules: FaultRule[]): void {
    this.#rules = rules.map((rule) => ({ rule, affected: 0 }));
  }

  /** The rules with how many requests each has affected so far. */
  describe(): Array<FaultRule & { affected: number }> {
    return this.#rules.map(({ rule, affected }) => ({ ...rule, affected }));
  }

  decide(endpoint: string): FaultDecision | undefined {
    const entry = this.#rules.find(
      ({ rule, affected }) =>
        (rule.match === "*" || rule.match === endpoint) &&
        (rule.limit === undefined || affected < rule.limit),
    );
    if (!entry) return undefined;
    const { rule } = entry;
    const kind = ROLLS.find(
      ([, field]) => this.#random.next() < ((rule[field] as number | undefined) ?? 0),
    )?.[0];
    const latencyMs = rule.latencyMs ?? 0;
    if (kind === undefined && latencyMs === 0) return undefined;
    entry.affected += 1;
    const decision: FaultDecision = { latencyMs, retryAfterSeconds: rule.retryAfterSeconds ?? 1 };
    if (kind) decision.kind = kind;
    return decision;
  }
}
