import { setTimeout as sleep } from "node:timers/promises";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { type KubeApiClient, KubeApiError } from "../../src/kube/api-client.ts";

/** When the bench saw each step of one CustomHostname (Date.now() values). */
export interface HostnameTimeline {
  /** The create (or apply) that made it returned. */
  appliedAt?: number;
  /** `status.requiredCNAME` first appeared: the customer knows what to create. */
  requiredCnameAt?: number;
  /** `status.hostnameId` first appeared: the hostname exists in Cloudflare. */
  createdAt?: number;
  /** The Ready condition first turned True. */
  readyAt?: number;
  deletedAt?: number;
  ready: boolean;
  deleted: boolean;
}

interface WatchedHostname {
  metadata: { name: string; resourceVersion?: string };
  status?: {
    requiredCNAME?: unknown;
    hostnameId?: string;
    conditions?: Array<{ type: string; status: string }>;
  };
}

interface Waiter {
  predicate: () => boolean;
  resolve: (at: number | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * Watches the bench namespace's CustomHostnames and records, per object, when each step first became visible. The
 * watch sees what any client sees, a few milliseconds after the operator writes it.
 */
/** How many CustomHostnames have reached each step (ever), kept as events arrive. */
export interface StepCounts {
  applied: number;
  requiredCname: number;
  created: number;
  ready: number;
  deleted: number;
}

export class HostnameTracker {
  readonly timelines = new Map<string, HostnameTimeline>();
  readonly counts: StepCounts = { applied: 0, requiredCname: 0, created: 0, ready: 0, deleted: 0 };
  /** When the watch last showed any CustomHostname change (a status write included). */
  lastChangeAt = Date.now();
  readonly #kube: KubeApiClient;
  readonly #path: string;
  readonly #countRequest: (key: string) => void;
  #waiters: Waiter[] = [];
  #abort: AbortController | undefined;
  #stopped = false;

  private constructor(kube: KubeApiClient, namespace: string, countRequest: (key: string) => void) {
    this.#kube = kube;
    this.#path = `/apis/${API_GROUP_VERSION}/namespaces/${namespace}/customhostnames`;
    this.#countRequest = countRequest;
  }

  /** Lists, then watches from the list's resourceVersion; `countRequest` learns of each request it makes. */
  static async start(
    kube: KubeApiClient,
    namespace: string,
    countRequest: (key: string) => void,
  ): Promise<HostnameTracker> {
    const tracker = new HostnameTracker(kube, namespace, countRequest);
    await tracker.#listAndWatch();
    return tracker;
  }

  async #listAndWatch(): Promise<void> {
    const list = await this.#list();
    for (const item of list.items) this.#observe("ADDED", item);
    this.#abort = new AbortController();
    void this.#kube
      .watch(
        this.#path,
        { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
        (phase, object) => this.#observe(phase, object as WatchedHostname),
        this.#abort.signal,
      )
      .catch(() => undefined)
      .finally(() => {
        // The API server counts a watch when it ends; so does the bench.
        this.#countRequest("WATCH customhostnames");
        if (!this.#stopped) void this.#listAndWatch().catch(() => undefined);
      });
  }

  /** Lists, retrying while a just-established CRD's storage is still initializing (429) or the server fails. */
  async #list(): Promise<{ metadata: { resourceVersion: string }; items: WatchedHostname[] }> {
    for (let attempt = 1; ; attempt++) {
      this.#countRequest("LIST customhostnames");
      try {
        return await this.#kube.request("GET", this.#path);
      } catch (error) {
        if (
          !(error instanceof KubeApiError && (error.status === 429 || error.status >= 500)) ||
          attempt >= 50
        )
          throw error;
        await sleep(200);
      }
    }
  }

  #observe(phase: string, object: WatchedHostname): void {
    if (phase === "BOOKMARK" || phase === "ERROR") return;
    const now = Date.now();
    this.lastChangeAt = now;
    const timeline = this.#timeline(object.metadata.name);
    const first = (
      step: keyof StepCounts,
      field: "requiredCnameAt" | "createdAt" | "readyAt" | "deletedAt",
    ) => {
      if (timeline[field] !== undefined) return;
      timeline[field] = now;
      this.counts[step]++;
    };
    if (phase === "DELETED") {
      timeline.deleted = true;
      first("deleted", "deletedAt");
    } else {
      const status = object.status ?? {};
      if (status.requiredCNAME) first("requiredCname", "requiredCnameAt");
      if (status.hostnameId) first("created", "createdAt");
      timeline.ready = status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      if (timeline.ready) first("ready", "readyAt");
    }
    this.#settleWaiters();
  }

  #timeline(name: string): HostnameTimeline {
    let timeline = this.timelines.get(name);
    if (!timeline) {
      timeline = { ready: false, deleted: false };
      this.timelines.set(name, timeline);
    }
    return timeline;
  }

  markApplied(name: string, at: number): void {
    const timeline = this.#timeline(name);
    if (timeline.appliedAt !== undefined) return;
    timeline.appliedAt = at;
    this.counts.applied++;
    this.#settleWaiters();
  }

  /** How many are Ready now (not ever). */
  readyNow(): number {
    let count = 0;
    for (const timeline of this.timelines.values()) if (timeline.ready && !timeline.deleted) count++;
    return count;
  }

  /** Resolves with the time the predicate first held (checked after every event), or undefined on timeout. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<number | undefined> {
    if (predicate()) return Promise.resolve(Date.now());
    return new Promise((resolve) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #settleWaiters(): void {
    const now = Date.now();
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.predicate()) return true;
      clearTimeout(waiter.timer);
      waiter.resolve(now);
      return false;
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
    this.#waiters = [];
  }
}
