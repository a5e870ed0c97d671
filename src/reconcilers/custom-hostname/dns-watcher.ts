/**
 * Watches each CustomHostname's records in the customer's DNS, on its own schedule, apart from Cloudflare's: a
 * hostname that is not Ready is looked up often (`--dns-check-interval`, jittered so a fleet does not ask in
 * step), a Ready one rarely (`--dns-ready-check-interval`), as docs/reference.md#watching-the-customers-dns
 * counts. It keeps the last verdict per record and wakes the object's reconcile only when a verdict changes, so a
 * lookup that finds what the last one found costs no reconcile and no status write.
 */
import type { DnsRecord } from "../../api/custom-hostname.ts";
import { type DnsLookup, lookUpRouting, lookUpTxt } from "./dns-lookups.ts";
import {
  type DnsObservation,
  type DnsRefreshPolicy,
  type RecordObservation,
  recordKey,
} from "./dns-status.ts";
import { judgeRouting, judgeTxt, type ObservedRecord } from "./dns-verdict.ts";
import type { CustomHostnameInput } from "./types.ts";

/** The customers' DNS watch as the reconcilers use it: the watcher and when to ask Cloudflare for a refresh. */
export interface DnsWatch {
  watcher: CustomerDnsWatcher;
  refresh: DnsRefreshPolicy;
}

/** What a decision needs of the watch for one CustomHostname; undefined when the watch is off. */
export function dnsInput(watch: DnsWatch | undefined, key: string): CustomHostnameInput["dns"] {
  return (
    watch && {
      observation: watch.watcher.observation(key),
      refreshedAt: watch.watcher.refreshedAt(key),
      refresh: watch.refresh,
    }
  );
}

export interface DnsWatcherOptions {
  resolver: DnsLookup;
  /** Between two lookups of a hostname that is not Ready. */
  pendingIntervalMs: number;
  /** Between two lookups of a Ready hostname. */
  readyIntervalMs: number;
  /** A verdict changed: the object's status should say so. */
  onChanged: (key: string) => void;
  now?: () => number;
  random?: () => number;
}

/** After a restart every hostname is looked up once within this long (or its interval, if shorter), not at once. */
export const FIRST_LOOK_SPREAD_MS = 10 * 60_000;
/** How often the watcher checks what is due. */
const TICK_MS = 1000;
/** Each interval is stretched or shrunk by up to this fraction, at random. */
const JITTER = 0.1;

interface Watched {
  records: DnsRecord[];
  signature: string;
  ready: boolean;
  dueAt: number;
  lastLookupAt: number | undefined;
  observation: Map<string, RecordObservation>;
  lookingUp: boolean;
  /** status.dnsRefreshTime as this process last wrote it, in case the cache has not caught up yet. */
  refreshedAt: string | undefined;
}

function signatureOf(records: readonly DnsRecord[]): string {
  return records.map(recordKey).join("\n");
}

function sameVerdict(a: ObservedRecord | undefined, b: ObservedRecord): boolean {
  return a?.observed === b.observed && a.verdict === b.verdict && a.finding === b.finding;
}

export class CustomerDnsWatcher {
  readonly #options: DnsWatcherOptions;
  readonly #watched = new Map<string, Watched>();
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #stopped = false;

  constructor(options: DnsWatcherOptions) {
    this.#options = options;
  }

  /**
   * Watch `records` (status.dnsRecords) of the object `key`, Ready or not. Called after each reconcile: a new
   * record is looked up at once, a change of readiness changes the interval, anything else keeps the schedule.
   */
  track(key: string, records: readonly DnsRecord[], ready: boolean): void {
    if (records.length === 0) {
      this.forget(key);
      return;
    }
    const now = this.#now();
    const signature = signatureOf(records);
    const watched = this.#watched.get(key);
    if (!watched) {
      const spread = Math.min(this.#interval(ready), FIRST_LOOK_SPREAD_MS);
      this.#watched.set(key, {
        records: [...records],
        signature,
        ready,
        dueAt: now + this.#random() * spread,
        lastLookupAt: undefined,
        observation: new Map(),
        lookingUp: false,
        refreshedAt: undefined,
      });
      return;
    }
    const recordsChanged = watched.signature !== signature;
    if (recordsChanged) {
      watched.records = [...records];
      watched.signature = signature;
      watched.dueAt = now;
    }
    if (watched.ready !== ready) {
      watched.ready = ready;
      // New records are looked up at once even when the hostname just turned Ready (its certificate records
      // went away with it): postponing them by the Ready interval would leave the status stale for hours.
      if (!recordsChanged) {
        const next = (watched.lastLookupAt ?? now) + this.#jittered(this.#interval(ready));
        watched.dueAt = ready ? Math.max(watched.dueAt, next) : Math.min(watched.dueAt, next);
      }
    }
  }

  /**
   * The operator asked Cloudflare to re-validate `key` at `at` (status.dnsRefreshTime). Remembered here because the
   * next reconcile may read the object from a cache that does not show that status write yet, and must not ask again.
   */
  noteRefresh(key: string, at: string): void {
    const watched = this.#watched.get(key);
    if (watched) watched.refreshedAt = at;
  }

  /** The last refresh noted for `key`, if any. */
  refreshedAt(key: string): string | undefined {
    return this.#watched.get(key)?.refreshedAt;
  }

  forget(key: string): void {
    this.#watched.delete(key);
  }

  /** The last verdicts for the object's records (empty before its first lookup). */
  observation(key: string): DnsObservation {
    return this.#watched.get(key)?.observation ?? new Map();
  }

  /** Looks up every object that is due, all at once: the resolver caps how many questions are on the wire. */
  async lookUpDue(): Promise<void> {
    const now = this.#now();
    const due = [...this.#watched].filter(([, watched]) => !watched.lookingUp && watched.dueAt <= now);
    await Promise.all(due.map(([key, watched]) => this.#lookUp(key, watched)));
  }

  start(): void {
    this.#stopped = false;
    this.#timer ??= setInterval(() => {
      this.#pass ??= this.lookUpDue().finally(() => {
        this.#pass = undefined;
      });
    }, TICK_MS);
  }

  /**
   * Stops looking. Questions already on the wire are not waited for (a resolver that times out would hold a
   * shutdown for --dns-timeout); their answers are dropped.
   */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopped = true;
  }

  async #lookUp(key: string, watched: Watched): Promise<void> {
    watched.lookingUp = true;
    const signature = watched.signature;
    const verdicts = await Promise.all(
      watched.records.map(async (record) => [recordKey(record), await this.#judge(record)] as const),
    );
    watched.lookingUp = false;
    const now = this.#now();
    watched.lastLookupAt = now;
    watched.dueAt =
      watched.signature === signature ? now + this.#jittered(this.#interval(watched.ready)) : now;
    if (this.#stopped || this.#watched.get(key) !== watched) return;
    let changed = verdicts.length !== watched.observation.size;
    const observation = new Map<string, RecordObservation>();
    for (const [recordKeyOf, verdict] of verdicts) {
      const before = watched.observation.get(recordKeyOf);
      const same = sameVerdict(before, verdict);
      changed ||= !same;
      observation.set(recordKeyOf, { ...verdict, since: same && before ? before.since : new Date(now) });
    }
    watched.observation = observation;
    if (changed) this.#options.onChanged(key);
  }

  async #judge(record: DnsRecord): Promise<ObservedRecord> {
    const { resolver } = this.#options;
    if (record.type === "CNAME") {
      return judgeRouting(
        record.name,
        record.value,
        await lookUpRouting(resolver, record.name, record.value),
      );
    }
    return judgeTxt(record.name, record.value, await lookUpTxt(resolver, record.name));
  }

  #interval(ready: boolean): number {
    return ready ? this.#options.readyIntervalMs : this.#options.pendingIntervalMs;
  }

  #jittered(intervalMs: number): number {
    return intervalMs * (1 - JITTER + 2 * JITTER * this.#random());
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #random(): number {
    return this.#options.random?.() ?? Math.random();
  }
}
