import type { AddressInfo } from "node:net";
import type { Credential, CredentialOptions } from "./auth.ts";
import { createSimulatedClock } from "./clock.ts";
import { startDnsServer } from "./dns-server.ts";
import { DnsTable } from "./dns-table.ts";
import { FaultInjector } from "./faults.ts";
import { createRandom } from "./random.ts";
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitPolicy } from "./rate-limit.ts";
import { ADMIN_PREFIX, API_PREFIX, createSimulatorServer } from "./server.ts";
import { RequestStats } from "./stats.ts";
import { SimulatorStore, type Zone, type ZoneEntitlements } from "./store.ts";

export type { CredentialOptions } from "./auth.ts";
export type { RateLimitPolicy } from "./rate-limit.ts";

/** A zone served by the simulator; entitlements default to both allowed (1413 / 1414 when turned off). */
export type ZoneOptions = { id: string; name: string; entitlements?: Partial<ZoneEntitlements> };

export type SimulatorOptions = {
  /** 0 = ephemeral; default 8787. Always 127.0.0.1. */
  port?: number;
  zones?: ZoneOptions[];
  credentials?: CredentialOptions[];
  /** Largest accepted `per_page` (default 50; the 2026 reference says 1000). */
  perPageMax?: number;
  rateLimit?: RateLimitPolicy;
  /** Simulated seconds per real second for validation delays (default 1). */
  timeScale?: number;
  /** Makes ids, tokens and fault rolls repeatable. */
  seed?: number;
  /** Serve the simulated DNS on 127.0.0.1, UDP and TCP, on this port (0 = any free port); none when unset. */
  dnsPort?: number;
};

export type RunningSimulator = {
  /** e.g. http://127.0.0.1:8787/client/v4 */
  url: string;
  /** e.g. http://127.0.0.1:8787/__sim */
  adminUrl: string;
  zones: Array<{ id: string; name: string; entitlements: ZoneEntitlements }>;
  credentials: CredentialOptions[];
  /** e.g. 127.0.0.1:8053, what `--dns-servers` takes; set when `dnsPort` was given. */
  dnsServer?: string;
  close(): Promise<void>;
};

const DEFAULT_PORT = 8787;
export const DEFAULT_ZONE_NAME = "saasprovider.com";
const ZONE_ID = /^[0-9a-f]{32}$/;

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const random = createRandom(options.seed);
  const clock = createSimulatedClock(options.timeScale ?? 1);
  const zones: Zone[] = (options.zones ?? [{ id: random.hex(32), name: DEFAULT_ZONE_NAME }]).map((zone) => {
    if (!ZONE_ID.test(zone.id)) throw new Error(`zone id must be 32 lowercase hex characters: ${zone.id}`);
    return {
      id: zone.id,
      name: zone.name.toLowerCase(),
      entitlements: { customMetadata: true, customOriginServer: true, ...zone.entitlements },
      createdAt: clock.now(),
    };
  });
  const credentialOptions = options.credentials ?? [{ token: random.hex(40) }];
  const credentials: Credential[] = credentialOptions.map((credential) => ({
    ...credential,
    id: random.hex(32),
  }));
  const perPageMax = options.perPageMax ?? 50;
  if (!(Number.isInteger(perPageMax) && perPageMax >= 5))
    throw new Error(`perPageMax must be an integer ≥ 5: ${perPageMax}`);

  const runtime = {
    world: { store: new SimulatorStore(zones), dns: new DnsTable(), clock, random, perPageMax },
    faults: new FaultInjector(random),
    stats: new RequestStats(),
    rateLimiter: new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT),
    credentials,
  };
  const server = createSimulatorServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const dns =
    options.dnsPort === undefined ? undefined : await startDnsServer(runtime.world.dns, options.dnsPort);
  return {
    url: `${base}${API_PREFIX}`,
    adminUrl: `${base}${ADMIN_PREFIX}`,
    zones: zones.map(({ id, name, entitlements }) => ({ id, name, entitlements })),
    credentials: credentialOptions,
    ...(dns && { dnsServer: `127.0.0.1:${dns.port}` }),
    close: async () => {
      await dns?.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
