import type { CloudflareClient } from "../cloudflare/index.ts";
import type { CustomHostname as CloudflareHostname } from "../cloudflare/wire.ts";

/** Every custom hostname of one zone, as one paged list returned them. */
export interface ZoneSnapshot {
  zoneId: string;
  takenAt: number;
  byHostname: ReadonlyMap<string, CloudflareHostname>;
  /** The page size Cloudflare answered (`result_info.per_page`): what a listing of the zone costs. */
  perPage: number;
}

/** Requests a listing of the zone would take now: its hostnames (own writes included) in pages Cloudflare sends. */
export function listingPages(snapshot: ZoneSnapshot): number {
  return Math.max(1, Math.ceil(snapshot.byHostname.size / snapshot.perPage));
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
  /**
   * Whether a zone's periodic listing waits now (the last listing is given): while a rollout's creates wait for
   * the request budget, listings are spaced out (custom-hostname/controller.ts). The last snapshot stays in use.
   */
  postpone?: (zone: PolledZone, last: ZoneSnapshot | undefined) => boolean;
  now?: () => number;
}

/**
 * Keeps Cloudflare's view of every zone fresh at the cost of one paged list per zone per interval
 * (⌈hostnames / page size⌉ requests) instead of one GET per hostname: reconciles of active hostnames read the
 * snapshot, and only hostnames still validating are fetched one by one on their own schedule.
 */
export class ZonePoller {
  readonly #options: Required<Omit<ZonePollerOptions, "postpone">> & Pick<ZonePollerOptions, "postpone">;
  readonly #snapshots = new Map<string, ZoneSnapshot & { byHostname: Map<string, CloudflareHostname> }>();
  /**
   * Our own writes per zone and hostname (undefined: deleted), with when they were made: a listing that started
   * before a write does not show it, so the write is applied again on top of that listing.
   */
  readonly #ownWrites = new Map<
    string,
    Map<string, { hostname: CloudflareHostname | undefined; at: number }>
  >();
  /** Zones whose last periodic listing was postponed: their snapshot stays in use until the next one. */
  readonly #postponed = new Set<string>();
  /** One listing per zone at a time: callers asking for the same zone share it. */
  readonly #listings = new Map<string, Promise<ZoneSnapshot | undefined>>();
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
   * The zone's snapshot while it is younger than two intervals (the reconciles a refresh triggers may take
   * longer than one interval on a large fleet, and a late poll should not turn them into one GET each), or while
   * its next listing is postponed: the operator's own writes keep it current for what it does meanwhile.
   */
  snapshot(zoneId: string): ZoneSnapshot | undefined {
    const snapshot = this.#snapshots.get(zoneId);
    if (!snapshot) return undefined;
    const young = this.#options.now() - snapshot.takenAt < 2 * this.#options.intervalMs;
    return young || this.#postponed.has(zoneId) ? snapshot : undefined;
  }

  /**
   * A fresh snapshot of one zone, listing it now unless a listing is already running (then that one is shared).
   * For a zone not polled yet: the first CustomHostnames of a zone cost one paged list, not one lookup each.
   * Undefined when the listing failed (reported through onError).
   */
  refresh(zone: PolledZone): Promise<ZoneSnapshot | undefined> {
    let listing = this.#listings.get(zone.zoneId);
    if (!listing) {
      listing = this.#list(zone).finally(() => this.#listings.delete(zone.zoneId));
      this.#listings.set(zone.zoneId, listing);
    }
    return listing;
  }

  /** Our own create or edit, or a read fresher than the listing, so the snapshot stays current until the next poll. */
  record(zoneId: string, hostname: CloudflareHostname): void {
    this.#snapshots.get(zoneId)?.byHostname.set(hostname.hostname, hostname);
    this.#remember(zoneId, hostname.hostname, hostname);
  }

  /** Our own delete, likewise. */
  forget(zoneId: string, hostname: string): void {
    this.#snapshots.get(zoneId)?.byHostname.delete(hostname);
    this.#remember(zoneId, hostname, undefined);
  }

  #remember(zoneId: string, name: string, hostname: CloudflareHostname | undefined): void {
    let writes = this.#ownWrites.get(zoneId);
    if (!writes) {
      writes = new Map();
      this.#ownWrites.set(zoneId, writes);
    }
    writes.set(name, { hostname, at: this.#options.now() });
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
    for (const zone of zones) {
      if (this.#stopped) return;
      if (this.#options.postpone?.(zone, this.#snapshots.get(zone.zoneId))) {
        this.#postponed.add(zone.zoneId);
        continue;
      }
      const snapshot = await this.refresh(zone);
      if (snapshot) this.#options.onRefreshed(snapshot);
    }
  }

  async #list({ zoneId, client }: PolledZone): Promise<ZoneSnapshot | undefined> {
    try {
      const takenAt = this.#options.now();
      const byHostname = new Map<string, CloudflareHostname>();
      let perPage = Number.POSITIVE_INFINITY;
      const sized = { onPage: (size: number) => (perPage = Math.min(perPage, Math.max(1, size))) };
      for await (const hostname of client.listCustomHostnames(zoneId, {}, sized))
        byHostname.set(hostname.hostname, hostname);
      // Writes made since the listing started may be missing from it (or shown as before them).
      const writes = this.#ownWrites.get(zoneId) ?? new Map();
      for (const [name, write] of writes) {
        if (write.at < takenAt) writes.delete(name);
        else if (write.hostname) byHostname.set(name, write.hostname);
        else byHostname.delete(name);
      }
      const snapshot = { zoneId, takenAt, byHostname, perPage };
      this.#snapshots.set(zoneId, snapshot);
      this.#postponed.delete(zoneId);
      return snapshot;
    } catch (error) {
      this.#options.onError(zoneId, error);
      return undefined;
    }
  }
}
