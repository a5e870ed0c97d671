import { readFile } from "node:fs/promises";
import type { OperatorProcess } from "./operator-process.ts";
import { type Sample, sumSamples } from "./prometheus-text.ts";
import type { BenchWorld, SimulatorStats } from "./world.ts";

/**
 * The resources the operator reads and writes; the API server's own background requests (its identity Leases
 * among them: the bench runs the operator without leader election) are left out.
 */
const OPERATOR_RESOURCES = new Set(["customhostnames", "fallbackorigins", "events", "secrets"]);
const STATUS_WRITE_VERBS = new Set(["PUT", "PATCH", "APPLY"]);

export interface CloudflareRequests {
  total: number;
  /** `METHOD /route/template` → count. */
  byEndpoint: Record<string, number>;
  /** HTTP status → count, as the simulator answered. */
  byStatus: Record<string, number>;
  /** Requests to the custom-hostname routes only (the fallback origin, token and zone checks left out). */
  hostnameRoutes: number;
  creates: number;
  rateLimited: number;
}

export interface KubeRequests {
  /** `VERB resource[/subresource]` → count, for the operator's resources, the bench's own requests taken off. */
  byRequest: Record<string, number>;
  /** PUT/PATCH/APPLY on the status subresource of CustomHostnames and FallbackOrigins. */
  statusWrites: number;
  /** PUT/PATCH/APPLY on the objects themselves (finalizers). */
  objectWrites: number;
  eventCreates: number;
}

export const CREATE_ENDPOINT = "POST /zones/:zone_id/custom_hostnames";
export const LIST_ENDPOINT = "GET /zones/:zone_id/custom_hostnames";
export const GET_BY_ID_ENDPOINT = "GET /zones/:zone_id/custom_hostnames/:custom_hostname_id";

function isHostnameRoute(endpoint: string): boolean {
  const path = endpoint.split(" ")[1] ?? "";
  return path.startsWith("/zones/:zone_id/custom_hostnames") && !path.endsWith("/fallback_origin");
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) result[key] = delta;
  }
  return result;
}

export function cloudflareDelta(before: SimulatorStats, after: SimulatorStats): CloudflareRequests {
  const byEndpoint = difference(after.byEndpoint, before.byEndpoint);
  const byStatus = difference(after.byStatus, before.byStatus);
  return {
    total: after.total - before.total,
    byEndpoint,
    byStatus,
    hostnameRoutes: Object.entries(byEndpoint)
      .filter(([endpoint]) => isHostnameRoute(endpoint))
      .reduce((sum, [, count]) => sum + count, 0),
    creates: byEndpoint[CREATE_ENDPOINT] ?? 0,
    rateLimited: byStatus["429"] ?? 0,
  };
}

/** apiserver_request_total summed per `VERB resource[/subresource]`, for the operator's resources only. */
function apiServerRequests(samples: Sample[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const sample of samples) {
    const { verb, resource, subresource } = sample.labels;
    if (!resource || !OPERATOR_RESOURCES.has(resource)) continue;
    const key = `${verb} ${resource}${subresource ? `/${subresource}` : ""}`;
    result[key] = (result[key] ?? 0) + sample.value;
  }
  return result;
}

/** A span of a scenario over which requests to Cloudflare and to the API server are counted. */
export class MeasurementWindow {
  readonly openedAt: number;
  readonly #world: BenchWorld;
  readonly #simulator: SimulatorStats;
  readonly #apiServer: Record<string, number>;
  readonly #own: Record<string, number>;

  private constructor(world: BenchWorld, simulator: SimulatorStats, apiServer: Record<string, number>) {
    this.#world = world;
    this.openedAt = Date.now();
    this.#simulator = simulator;
    this.#apiServer = apiServer;
    this.#own = Object.fromEntries(world.ownRequests);
  }

  static async open(world: BenchWorld): Promise<MeasurementWindow> {
    const apiServer = apiServerRequests(await world.apiServerSamples());
    return new MeasurementWindow(world, await world.simulatorStats(), apiServer);
  }

  /** Cloudflare requests since the window opened. */
  async cloudflare(): Promise<CloudflareRequests> {
    return cloudflareDelta(this.#simulator, await this.#world.simulatorStats());
  }

  cloudflareAt(stats: SimulatorStats): CloudflareRequests {
    return cloudflareDelta(this.#simulator, stats);
  }

  /** API server requests since the window opened, less the bench's own. */
  async kube(): Promise<KubeRequests> {
    const total = difference(apiServerRequests(await this.#world.apiServerSamples()), this.#apiServer);
    const own = difference(Object.fromEntries(this.#world.ownRequests), this.#own);
    const byRequest = difference(total, own);
    let statusWrites = 0;
    let objectWrites = 0;
    let eventCreates = 0;
    for (const [key, count] of Object.entries(byRequest)) {
      const [verb = "", target = ""] = key.split(" ");
      const [resource, subresource] = target.split("/");
      if (resource === "events" && verb === "POST") eventCreates += count;
      if (!STATUS_WRITE_VERBS.has(verb) || (resource !== "customhostnames" && resource !== "fallbackorigins"))
        continue;
      if (subresource === "status") statusWrites += count;
      else if (!subresource) objectWrites += count;
    }
    return { byRequest, statusWrites, objectWrites, eventCreates };
  }
}

export interface OperatorFigures {
  /** From spawn to the "caches synced" log line. */
  syncSeconds: number | undefined;
  rssBytes: number | undefined;
  /**
   * The part of RSS that is pages of files (Node's own binary, shared libraries; /proc/PID/status `RssFile`):
   * shared, reclaimable, and charged to a memory cgroup only as page cache. Undefined where /proc does not say.
   */
  rssFileBytes: number | undefined;
  heapUsedBytes: number | undefined;
  cpuSeconds: number | undefined;
  /** 429s the operator itself counted (cfsaas_cloudflare_requests_total{code="429"}), since it started. */
  operatorCounted429: number | undefined;
}

const OPERATOR_METRICS = new Set([
  "process_resident_memory_bytes",
  "nodejs_heap_size_used_bytes",
  "process_cpu_seconds_total",
  "cfsaas_cloudflare_requests_total",
]);

export async function operatorFigures(operator: OperatorProcess): Promise<OperatorFigures> {
  const synced = operator.loggedAt("caches synced");
  const syncSeconds = synced === undefined ? undefined : (synced - operator.spawnedAt) / 1000;
  if (!operator.running) {
    return {
      syncSeconds,
      rssBytes: undefined,
      rssFileBytes: undefined,
      heapUsedBytes: undefined,
      cpuSeconds: undefined,
      operatorCounted429: undefined,
    };
  }
  const samples = await operator.scrape(OPERATOR_METRICS);
  return {
    syncSeconds,
    rssBytes: sumSamples(samples, "process_resident_memory_bytes"),
    rssFileBytes: await rssFileBytes(operator.child.pid),
    heapUsedBytes: sumSamples(samples, "nodejs_heap_size_used_bytes"),
    cpuSeconds: sumSamples(samples, "process_cpu_seconds_total"),
    operatorCounted429: sumSamples(samples, "cfsaas_cloudflare_requests_total", { code: "429" }),
  };
}

async function rssFileBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kib = /^RssFile:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/** Nearest-rank percentile of the values, or undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
