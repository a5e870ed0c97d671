import type { SslRequest } from "./ssl-rules.ts";

export type ZoneEntitlements = { customMetadata: boolean; customOriginServer: boolean };

export type Zone = { id: string; name: string; entitlements: ZoneEntitlements; createdAt: number };

/** One order for a certificate: its DCV tokens and the moments the state machine latched. */
export type CertificateOrder = {
  id: string;
  request: SslRequest;
  orderedAt: number;
  validationStartedAt: number;
  validatedAt?: number;
  txtToken: string;
  httpToken: string;
  serialNumber: string;
};

export type HostnameRecord = {
  id: string;
  zoneId: string;
  hostname: string;
  createdAt: number;
  ownershipToken: string;
  ownershipHttpBody: string;
  validationStartedAt: number;
  verifiedAt?: number;
  customMetadata?: Record<string, string>;
  customOriginServer?: string;
  customOriginSni?: string;
  certificate: CertificateOrder;
};

export type FallbackOriginRecord = {
  origin: string;
  createdAt: number;
  updatedAt: number;
  routable: boolean;
};

/** The simulator's in-memory world for every configured zone. */
export class SimulatorStore {
  readonly zones: ReadonlyMap<string, Zone>;
  readonly #hostnames = new Map<string, Map<string, HostnameRecord>>();
  readonly #fallbackOrigins = new Map<string, FallbackOriginRecord>();

  constructor(zones: Zone[]) {
    this.zones = new Map(zones.map((zone) => [zone.id, zone]));
  }

  hostnames(zoneId: string): Map<string, HostnameRecord> {
    let hostnames = this.#hostnames.get(zoneId);
    if (!hostnames) {
      hostnames = new Map();
      this.#hostnames.set(zoneId, hostnames);
    }
    return hostnames;
  }

  allHostnames(): HostnameRecord[] {
    return [...this.#hostnames.values()].flatMap((hostnames) => [...hostnames.values()]);
  }

  fallbackOrigin(zoneId: string): FallbackOriginRecord | undefined {
    return this.#fallbackOrigins.get(zoneId);
  }

  setFallbackOrigin(zoneId: string, record: FallbackOriginRecord | undefined): void {
    if (record) this.#fallbackOrigins.set(zoneId, record);
    else this.#fallbackOrigins.delete(zoneId);
  }

  clear(): void {
    this.#hostnames.clear();
    this.#fallbackOrigins.clear();
  }
}
