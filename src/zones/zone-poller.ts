import type { CloudflareClient } from "../cloudflare/index.ts";
import type { CustomHostname as CloudflareHostname } from "../cloudflare/wire.ts";

/** Every custom hostname of one zone, as one paged list returned them. */
export interface ZoneSnapshot {
  zoneId: string;
  takenAt: number;
  byHostname: ReadonlyMap<string, CloudflareHostname>;
}

export interface PolledZone {
  zoneId: string;
  client: CloudflareClient;
}

export interface ZonePollerOptions {
  intervalMs: number;
  /** The zones worth polling now (those with CustomHostnames and usable credentials). */
  zones: () => Promise<PolledZone[]>;
  /** Called after each successful refresh, so the zone's CustomHostnames are reconciled from it. */
  onRefreshed: (snapshot: ZoneSnapshot) => void;
  onError: (zoneId: string, error: unknown) => void;
  now?: () => number;
}

/**
 * Keeps Cloudflare's view of every zone fresh at the cost of one paged list per zone per interval
 * (⌈hostnames / page size⌉ requests) instead of one GET per hostname: reconciles of active hostnames read the
 * snapshot, and only hostnames still validating are fetched one by one on their own schedule.
 */
export class ZonePoller {
  readonly #options: Required<ZonePollerOptions>;
  readonly #snapshots = new Map<string, ZoneSnapshot>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #polling: Promise<void> | undefined;

  constructor(options: ZonePollerOptions) {
    this.#options = { now: Date.now, ...options };
  }

  get intervalMs(): number {
    return this.#options.intervalMs;
  }

  /**
   * The zone's snapshot while it is younger than two intervals: the reconciles a refresh triggers may take
   * longer than one interval on a large fleet, and a late poll should not turn them into one GET each.
   */
  snapshot(zoneId: string): ZoneSnapshot | undefined {
    const snapshot = this.#snapshots.get(zoneId);
    if (!snapshot || this.#options.now() - snapshot.takenAt >= 2 * this.#options.intervalMs) return undefined;
    return snapshot;
  }

  /** Polls every zone once now (the operator does this before starting its controllers), then periodically. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.pollAll();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
  }

  pollAll(): Promise<void> {
    this.#polling ??= this.#pollAll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.pollAll().finally(() => this.#schedule());
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async #pollAll(): Promise<void> {
    let zones: PolledZone[];
    try {
      zones = await this.#options.zones();
    } catch (error) {
      this.#options.onError("*", error);
      return;
    }
    for (const { zoneId, client } of zones) {
      if (this.#stopped) return;
      try {
        const takenAt = this.#options.now();
        const byHostname = new Map<string, CloudflareHostname>();
        for await (const hostname of client.listCustomHostnames(zoneId))
          byHostname.set(hostname.hostname, hostname);
        const snapshot = { zoneId, takenAt, byHostname };
        this.#snapshots.set(zoneId, snapshot);
        this.#options.onRefreshed(snapshot);
      } catch (error) {
        this.#options.onError(zoneId, error);
      }
    }
  }
}
