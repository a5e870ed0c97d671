import type { IncomingHttpHeaders } from "node:http";
import { getZone, verifyToken } from "./account.ts";
import { ApiError } from "./api-error.ts";
import { assertZoneAccess, authenticate, type Credential, requireToken } from "./auth.ts";
import {
  createCustomHostname,
  deleteCustomHostname,
  getCustomHostname,
  type HandlerResult,
  listCustomHostnames,
  patchCustomHostname,
} from "./custom-hostnames.ts";
import { deleteFallbackOrigin, getFallbackOrigin, putFallbackOrigin } from "./fallback-origin.ts";
import type { RouteMatch } from "./routes.ts";
import type { Zone } from "./store.ts";
import type { SimulatorWorld } from "./world.ts";

export type ApiRequest = {
  method: string;
  route: RouteMatch | undefined;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
};

type OperationInput = {
  world: SimulatorWorld;
  credential: Credential;
  /** Set for zone-scoped operations only. */
  zone?: Zone;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
};

type Operation = { zoneScoped: boolean; hasBody: boolean; handle(input: OperationInput): HandlerResult };

const id = (input: OperationInput) => input.params.custom_hostname_id ?? "";
const zoneOf = (input: OperationInput): Zone => {
  if (!input.zone) throw new Error("zone-scoped operation ran without a zone");
  return input.zone;
};

/** Operations by `METHOD /route/template`. */
const OPERATIONS: Record<string, Operation> = {
  "GET /zones/:zone_id/custom_hostnames": {
    zoneScoped: true,
    hasBody: false,
    handle: (i) => listCustomHostnames(i.world, zoneOf(i), i.query),
  },
  "POST /zones/:zone_id/custom_hostnames": {
    zoneScoped: true,
    hasBody: true,
    handle: (i) => createCustomHostname(i.world, zoneOf(i), i.body),
  },
  "GET /zones/:zone_id/custom_hostnames/:custom_hostname_id": {
    zoneScoped: true,
    hasBody: false,
    handle: (i) => getCustomHostname(i.world, zoneOf(i), id(i)),
  },
  "PATCH /zones/:zone_id/custom_hostnames/:custom_hostname_id": {
    zoneScoped: true,
    hasBody: true,
    handle: (i) => patchCustomHostname(i.world, zoneOf(i), id(i), i.body),
  },
  "DELETE /zones/:zone_id/custom_hostnames/:custom_hostname_id": {
    zoneScoped: true,
    hasBody: false,
    handle: (i) => deleteCustomHostname(i.world, zoneOf(i), id(i)),
  },
  "GET /zones/:zone_id/custom_hostnames/fallback_origin": {
    zoneScoped: true,
    hasBody: false,
    handle: (i) => getFallbackOrigin(i.world, zoneOf(i)),
  },
  "PUT /zones/:zone_id/custom_hostnames/fallback_origin": {
    zoneScoped: true,
    hasBody: true,
    handle: (i) => putFallbackOrigin(i.world, zoneOf(i), i.body),
  },
  "DELETE /zones/:zone_id/custom_hostnames/fallback_origin": {
    zoneScoped: true,
    hasBody: false,
    handle: (i) => deleteFallbackOrigin(i.world, zoneOf(i)),
  },
  "GET /user/tokens/verify": {
    zoneScoped: false,
    hasBody: false,
    handle: (i) => verifyToken(requireToken(i.credential)),
  },
  "GET /zones/:zone_id": { zoneScoped: true, hasBody: false, handle: (i) => getZone(zoneOf(i)) },
};

const ZONE_ID = /^[0-9a-f]{32}$/;

function parseBody(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new ApiError(400, 1400, "Unable to decode the JSON request body.");
  }
}

/** Routes, authenticates, checks the zone permission and runs one `/client/v4` operation. */
export function handleApiRequest(
  world: SimulatorWorld,
  credentials: readonly Credential[],
  request: ApiRequest,
): HandlerResult {
  const { route } = request;
  if (!route) throw new ApiError(400, 7000, "No route for that URI");
  const operation = OPERATIONS[`${request.method} ${route.template}`];
  if (!operation) throw new ApiError(405, 7001, `Method ${request.method} not available for that URI.`);
  const credential = authenticate(request.headers, credentials);
  let zone: Zone | undefined;
  if (operation.zoneScoped) {
    const zoneId = route.params.zone_id ?? "";
    if (!ZONE_ID.test(zoneId)) {
      throw new ApiError(
        400,
        7003,
        `Could not route to ${request.path}, perhaps your object identifier is invalid?`,
      );
    }
    zone = world.store.zones.get(zoneId);
    assertZoneAccess(credential, zoneId, zone !== undefined);
  }
  const body = operation.hasBody ? parseBody(request.rawBody) : undefined;
  return operation.handle({
    world,
    credential,
    zone,
    params: route.params,
    query: request.query,
    body,
  });
}
