import { z } from "zod";
import { DNS_FAULT_KINDS, DNS_RECORD_TYPES } from "./dns-table.ts";
import { evaluateHostname, latchAll } from "./evaluation.ts";
import { type FaultInjector, faultRulesSchema } from "./faults.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { renderHostname } from "./representation.ts";
import type { RequestStats } from "./stats.ts";
import type { SimulatorWorld } from "./world.ts";

export type AdminTargets = {
  world: SimulatorWorld;
  faults: FaultInjector;
  stats: RequestStats;
  rateLimiter: RateLimiter;
};

export type AdminResponse = { status: number; body: unknown };

const dnsRecordsSchema = z.strictObject({
  records: z.array(
    z.strictObject({
      type: z.enum(DNS_RECORD_TYPES),
      name: z.string().min(1).max(255),
      value: z.string().max(2048),
      /** Seconds the DNS server lets resolvers keep the record (default 60). */
      ttl: z.number().int().min(0).max(86_400).optional(),
    }),
  ),
});

const dnsFaultsSchema = z.strictObject({
  rules: z.array(z.strictObject({ name: z.string().min(1).max(255), kind: z.enum(DNS_FAULT_KINDS) })),
});

const clockSchema = z.strictObject({ advanceSeconds: z.number().positive() });

const rateLimitSchema = z.strictObject({
  requests: z.number().int().positive(),
  windowSeconds: z.number().int().positive(),
});

function dnsView(targets: AdminTargets) {
  return {
    records: targets.world.dns.list().map((r) => ({
      type: r.type,
      name: r.name,
      value: r.value,
      ttl: r.ttl,
      since: new Date(r.since).toISOString(),
    })),
  };
}

function clockView(targets: AdminTargets) {
  const { clock } = targets.world;
  return { now: new Date(clock.now()).toISOString(), timeScale: clock.timeScale };
}

/** Every hostname as the API shows it now, plus its zone, across all zones (for tests and demos). */
function hostnamesView(targets: AdminTargets) {
  const { world } = targets;
  return {
    hostnames: world.store.allHostnames().map((record) => ({
      zone_id: record.zoneId,
      ...renderHostname(record, evaluateHostname(world, record), world.clock),
    })),
  };
}

type AdminRoute = (targets: AdminTargets, body: unknown) => AdminResponse;

const ok = (body: unknown): AdminResponse => ({ status: 200, body });

/** The admin API under `/__sim` (no auth, JSON); see docs/simulator.md. */
const ADMIN_ROUTES: Record<string, AdminRoute> = {
  "GET /dns": (t) => ok(dnsView(t)),
  "POST /dns": (t, body) => {
    const { records } = dnsRecordsSchema.parse(body);
    // DNS edits change what future checks see; checks that already passed stay passed.
    latchAll(t.world);
    const now = t.world.clock.now();
    for (const record of records) t.world.dns.upsert(record, now);
    return ok(dnsView(t));
  },
  "GET /dns-faults": (t) => ok({ rules: t.world.dns.faults() }),
  "POST /dns-faults": (t, body) => {
    t.world.dns.setFaults(dnsFaultsSchema.parse(body).rules);
    return ok({ rules: t.world.dns.faults() });
  },
  "GET /faults": (t) => ok({ rules: t.faults.describe() }),
  "POST /faults": (t, body) => {
    t.faults.setRules(faultRulesSchema.parse(body).rules);
    return ok({ rules: t.faults.describe() });
  },
  "GET /stats": (t) => ok(t.stats.snapshot()),
  "GET /hostnames": (t) => ok(hostnamesView(t)),
  "GET /clock": (t) => ok(clockView(t)),
  "POST /clock": (t, body) => {
    t.world.clock.advance(clockSchema.parse(body).advanceSeconds);
    return ok(clockView(t));
  },
  "GET /rate-limit": (t) => ok(t.rateLimiter.policy),
  "POST /rate-limit": (t, body) => {
    t.rateLimiter.setPolicy(rateLimitSchema.parse(body));
    return ok(t.rateLimiter.policy);
  },
  "POST /reset": (t) => {
    t.world.store.clear();
    t.world.dns.clear();
    t.faults.setRules([]);
    t.stats.reset();
    t.rateLimiter.reset();
    return ok({ reset: true });
  },
};

export function handleAdminRequest(
  targets: AdminTargets,
  method: string,
  path: string,
  rawBody: string,
): AdminResponse {
  const route = ADMIN_ROUTES[`${method} ${path.replace(/\/$/, "")}`];
  if (!route) return { status: 404, body: { error: `no admin endpoint ${method} /__sim${path}` } };
  let body: unknown;
  try {
    body = rawBody === "" ? {} : JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { error: "request body is not JSON" } };
  }
  try {
    return route(targets, body);
  } catch (error) {
    if (error instanceof z.ZodError) return { status: 400, body: { error: z.prettifyError(error) } };
    throw error;
  }
}
