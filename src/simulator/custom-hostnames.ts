import { ApiError } from "./api-error.ts";
import { successEnvelope } from "./envelope.ts";
import { evaluateHostname } from "./evaluation.ts";
import { paginate, parseListFilter, sortRows } from "./hostname-list.ts";
import { assertValidCustomHostname, assertValidCustomOrigin } from "./hostname-rules.ts";
import { renderHostname } from "./representation.ts";
import { parseSslForCreate, parseSslForPatch, type SslRequest } from "./ssl-rules.ts";
import type { CertificateOrder, HostnameRecord, Zone } from "./store.ts";
import type { SimulatorWorld } from "./world.ts";

export type HandlerResult = { status: number; body: unknown };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const METADATA_MAX_BYTES = 4096;
/** Certificates name at most 64 characters unless Cloudflare's branding name takes the CN (1469). */
const CERTIFICATE_CN_MAX = 64;

function notFound(): ApiError {
  return new ApiError(404, 1436, "The custom hostname was not found.");
}

function findRecord(world: SimulatorWorld, zone: Zone, id: string): HostnameRecord {
  if (!UUID.test(id)) throw new ApiError(400, 1435, "Invalid custom hostname identifier.");
  const record = world.store.hostnames(zone.id).get(id);
  if (!record) throw notFound();
  return record;
}

function asBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, 1400, "Unable to decode the JSON request body: expected an object.");
  }
  return body as Record<string, unknown>;
}

/**
 * Cloudflare documents metadata as a JSON object of at most 4 KB (docs/cloudflare-api.md#entitlements-and-quota);
 * values are strings.
 */
function parseMetadata(raw: unknown, zone: Zone): Record<string, string> | undefined {
  if (!zone.entitlements.customMetadata) {
    throw new ApiError(403, 1413, "Custom metadata is not enabled for this zone.");
  }
  const valid =
    typeof raw === "object" &&
    raw !== null &&
    !Array.isArray(raw) &&
    Object.values(raw).every((value) => typeof value === "string") &&
    Buffer.byteLength(JSON.stringify(raw)) <= METADATA_MAX_BYTES;
  if (!valid)
    throw new ApiError(400, 1401, "Custom metadata must be a JSON object of strings of at most 4 KB.");
  const metadata = raw as Record<string, string>;
  return Object.keys(metadata).length === 0 ? undefined : metadata;
}

function parseOrigin(raw: unknown, zone: Zone): string | undefined {
  if (!zone.entitlements.customOriginServer) {
    throw new ApiError(403, 1414, "Custom origin server is not enabled for this zone.");
  }
  return raw === "" ? undefined : assertValidCustomOrigin(raw, zone.name);
}

function parseSni(raw: unknown): string | undefined {
  if (typeof raw !== "string") throw new ApiError(400, 1434, "custom_origin_sni must be a string.");
  return raw === "" ? undefined : raw;
}

function newCertificateOrder(world: SimulatorWorld, request: SslRequest, now: number): CertificateOrder {
  return {
    id: world.random.uuid(),
    request,
    orderedAt: now,
    validationStartedAt: now,
    txtToken: world.random.hex(43),
    httpToken: world.random.hex(43),
    serialNumber: world.random.hex(36),
  };
}

function view(world: SimulatorWorld, record: HostnameRecord): Record<string, unknown> {
  return renderHostname(record, evaluateHostname(world, record), world.clock);
}

export function listCustomHostnames(
  world: SimulatorWorld,
  zone: Zone,
  query: URLSearchParams,
): HandlerResult {
  const filter = parseListFilter(query);
  const rows = [...world.store.hostnames(zone.id).values()]
    .filter((record) => filter.matchesRecord(record))
    .map((record) => ({ record, evaluation: evaluateHostname(world, record) }))
    .filter(({ evaluation }) => filter.matchesState(evaluation));
  const page = paginate(sortRows(rows, query), query, world.perPageMax);
  return {
    status: 200,
    body: successEnvelope(
      page.rows.map(({ record, evaluation }) => renderHostname(record, evaluation, world.clock)),
      { resultInfo: page.resultInfo },
    ),
  };
}

export function createCustomHostname(world: SimulatorWorld, zone: Zone, rawBody: unknown): HandlerResult {
  const body = asBody(rawBody);
  const hostname = assertValidCustomHostname(body.hostname);
  const ssl = parseSslForCreate(body.ssl);
  const bare = hostname.replace(/^\*\./, "");
  if (bare.length > CERTIFICATE_CN_MAX && !ssl.cloudflare_branding) {
    throw new ApiError(
      400,
      1469,
      "Hostnames longer than 64 characters need ssl.cloudflare_branding set to true.",
    );
  }
  const customMetadata =
    body.custom_metadata === undefined ? undefined : parseMetadata(body.custom_metadata, zone);
  const customOriginServer =
    body.custom_origin_server === undefined ? undefined : parseOrigin(body.custom_origin_server, zone);
  const customOriginSni = body.custom_origin_sni === undefined ? undefined : parseSni(body.custom_origin_sni);
  const hostnames = world.store.hostnames(zone.id);
  if ([...hostnames.values()].some((record) => record.hostname === hostname)) {
    throw new ApiError(409, 1406, "Duplicate custom hostname found.");
  }
  const now = world.clock.now();
  const record: HostnameRecord = {
    id: world.random.uuid(),
    zoneId: zone.id,
    hostname,
    createdAt: now,
    ownershipToken: world.random.uuid(),
    ownershipHttpBody: world.random.uuid(),
    validationStartedAt: now,
    certificate: newCertificateOrder(world, ssl, now),
  };
  if (customMetadata) record.customMetadata = customMetadata;
  if (customOriginServer) record.customOriginServer = customOriginServer;
  if (customOriginSni) record.customOriginSni = customOriginSni;
  hostnames.set(record.id, record);
  return { status: 201, body: successEnvelope(view(world, record)) };
}

export function getCustomHostname(world: SimulatorWorld, zone: Zone, id: string): HandlerResult {
  return { status: 200, body: successEnvelope(view(world, findRecord(world, zone, id))) };
}

/**
 * PATCH accepts only custom_metadata, custom_origin_server, custom_origin_sni and ssl; other fields are
 * ignored (a bare ssl object got 202 and no effect: cloudflare-go #453), except `hostname` (1439).
 */
export function patchCustomHostname(
  world: SimulatorWorld,
  zone: Zone,
  id: string,
  rawBody: unknown,
): HandlerResult {
  const body = asBody(rawBody);
  const record = findRecord(world, zone, id);
  if (body.hostname !== undefined) {
    throw new ApiError(409, 1439, "The hostname of a custom hostname cannot be modified.");
  }
  const customMetadata =
    body.custom_metadata === undefined ? record.customMetadata : parseMetadata(body.custom_metadata, zone);
  const customOriginServer =
    body.custom_origin_server === undefined
      ? record.customOriginServer
      : parseOrigin(body.custom_origin_server, zone);
  const customOriginSni =
    body.custom_origin_sni === undefined ? record.customOriginSni : parseSni(body.custom_origin_sni);
  const ssl = body.ssl === undefined ? undefined : parseSslForPatch(body.ssl, record.certificate.request);

  const before = evaluateHostname(world, record);
  const now = world.clock.now();
  record.customMetadata = customMetadata;
  record.customOriginServer = customOriginServer;
  record.customOriginSni = customOriginSni;
  if (ssl) {
    // Refresh (docs/cloudflare-api.md#create-edit-and-refresh): re-run hostname validation with a fresh backoff
    // schedule, and the same for an unissued certificate; moved/deleted hostnames go back to pending.
    if (ssl.change !== "settings" && before.ownership.status !== "active") record.validationStartedAt = now;
    if (ssl.change === "reorder") record.certificate = newCertificateOrder(world, ssl.request, now);
    else {
      record.certificate.request = ssl.request;
      if (ssl.change === "refresh" && record.certificate.validatedAt === undefined) {
        record.certificate.validationStartedAt = now;
      }
    }
  }
  return { status: 202, body: successEnvelope(view(world, record)) };
}

/** Documented to answer `{"id": …}` without the envelope (docs/cloudflare-api.md#response-envelope). */
export function deleteCustomHostname(world: SimulatorWorld, zone: Zone, id: string): HandlerResult {
  const record = findRecord(world, zone, id);
  world.store.hostnames(zone.id).delete(record.id);
  return { status: 200, body: { id: record.id } };
}
