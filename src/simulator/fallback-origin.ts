import { ApiError } from "./api-error.ts";
import type { HandlerResult } from "./custom-hostnames.ts";
import { successEnvelope } from "./envelope.ts";
import { latchAll } from "./evaluation.ts";
import { isValidHostname, normalizeHostname } from "./hostname-rules.ts";
import { renderFallbackOrigin } from "./representation.ts";
import { fallbackOriginStatus } from "./state-machine.ts";
import type { FallbackOriginRecord, Zone } from "./store.ts";
import type { SimulatorWorld } from "./world.ts";

/** No public source gives the code for "no fallback origin set"; 1551 is the simulator's choice. */
function notSet(): ApiError {
  return new ApiError(404, 1551, "No fallback origin is set for this zone.");
}

function existing(world: SimulatorWorld, zone: Zone): FallbackOriginRecord {
  const record = world.store.fallbackOrigin(zone.id);
  if (!record) throw notSet();
  return record;
}

export function getFallbackOrigin(world: SimulatorWorld, zone: Zone): HandlerResult {
  const record = existing(world, zone);
  const status = fallbackOriginStatus(record, world.clock.now());
  return { status: 200, body: successEnvelope(renderFallbackOrigin(record, status, world.clock)) };
}

/**
 * Any syntactically valid hostname is accepted, as the real API does; one outside the SaaS zone never deploys and
 * reports the DNS error in `errors`, as the 2026 reference's example does (docs/cloudflare-api.md#fallback-origin).
 */
export function putFallbackOrigin(world: SimulatorWorld, zone: Zone, rawBody: unknown): HandlerResult {
  const raw = (rawBody as { origin?: unknown } | null)?.origin;
  const origin = typeof raw === "string" ? normalizeHostname(raw) : "";
  if (!isValidHostname(origin)) {
    throw new ApiError(400, 1407, "Invalid fallback origin: a hostname is required.");
  }
  latchAll(world);
  const now = world.clock.now();
  const current = world.store.fallbackOrigin(zone.id);
  if (current?.origin !== origin) {
    world.store.setFallbackOrigin(zone.id, {
      origin,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      routable: origin === zone.name || origin.endsWith(`.${zone.name}`),
    });
  }
  return getFallbackOrigin(world, zone);
}

export function deleteFallbackOrigin(world: SimulatorWorld, zone: Zone): HandlerResult {
  const record = existing(world, zone);
  latchAll(world);
  world.store.setFallbackOrigin(zone.id, undefined);
  return {
    status: 200,
    body: successEnvelope(renderFallbackOrigin(record, "pending_deletion", world.clock)),
  };
}
