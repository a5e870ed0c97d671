import { type KubeApiClient, KubeApiError } from "./api-client.ts";

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

export type InformerEvent<T> =
  | { type: "added"; object: T }
  | { type: "updated"; object: T; old: T }
  | { type: "deleted"; object: T }
  /** The periodic resync re-announces every cached object so level-based controllers look again. */
  | { type: "resync"; object: T };

export function objectKey(object: KubeObject): string {
  return object.metadata.namespace
    ? `${object.metadata.namespace}/${object.metadata.name}`
    : object.metadata.name;
}

interface ObjectList<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export interface InformerOptions {
  /** Collection path, e.g. `/apis/cfsaas.dev/v1alpha1/customhostnames` or `/api/v1/namespaces/ns/secrets`. */
  path: string;
  resyncMs?: number;
  pageSize?: number;
  /** Called on list or watch failures before the informer retries; it never gives up. */
  onError?: (error: unknown) => void;
  /**
   * Trims each object before it is cached (client-go's transform): what no controller reads costs memory for
   * every object of a large fleet. Defaults to dropping `metadata.managedFields` and kubectl's
   * last-applied-configuration annotation, which can each be as large as the object itself.
   */
  transform?: <T extends KubeObject>(object: T) => T;
}

const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** Drops the bookkeeping of other clients: managedFields and kubectl's copy of the last applied object. */
export function withoutClientBookkeeping<T extends KubeObject>(object: T): T {
  const metadata = object.metadata as T["metadata"] & { managedFields?: unknown };
  const annotations = metadata.annotations;
  if (metadata.managedFields === undefined && annotations?.[LAST_APPLIED_ANNOTATION] === undefined)
    return object;
  const { managedFields: _managed, ...kept } = metadata;
  if (annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...others } = annotations;
    kept.annotations = others;
  }
  return { ...object, metadata: kept };
}

/**
 * List+watch cache with client-go's reflector behaviour: a paged LIST, a WATCH from its resourceVersion with
 * bookmarks, a clean watch end resumes from the last version seen, 410 Gone or any failure relists (with
 * backoff), and a periodic resync. @kubernetes/client-node's own informer stops for good on most errors.
 * The cache hands out its own objects: callers must not mutate them.
 */
export class Informer<T extends KubeObject> {
  readonly #api: KubeApiClient;
  readonly #options: Required<Omit<InformerOptions, "onError">> & Pick<InformerOptions, "onError">;
  readonly #cache = new Map<string, T>();
  readonly #handlers: Array<(event: InformerEvent<T>) => void> = [];
  #resourceVersion = "";
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #stopped = true;
  #watching: AbortController | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(api: KubeApiClient, options: InformerOptions) {
    this.#api = api;
    this.#options = { resyncMs: 10 * 60_000, pageSize: 500, transform: withoutClientBookkeeping, ...options };
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  onEvent(handler: (event: InformerEvent<T>) => void): void {
    this.#handlers.push(handler);
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#listAndWatch();
    if (this.#options.resyncMs > 0) {
      this.#resyncTimer = setInterval(() => {
        for (const object of this.#cache.values()) this.#emit({ type: "resync", object });
      }, this.#options.resyncMs);
      this.#resyncTimer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#watching?.abort();
    clearTimeout(this.#retryTimer);
    clearInterval(this.#resyncTimer);
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
  }

  /** Resolves once the first LIST has filled the cache (or the informer was stopped). */
  waitForSync(): Promise<void> {
    if (this.#synced || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  #emit(event: InformerEvent<T>): void {
    for (const handler of this.#handlers) handler(event);
  }

  async #listAndWatch(): Promise<void> {
    try {
      await this.#list();
      this.#failures = 0;
      await this.#watch();
    } catch (error) {
      this.#retry(error);
    }
  }

  /** Backoff 0.5 s doubling to 30 s, as client-go's reflector does, so a broken API server is not hammered. */
  #retry(error: unknown): void {
    if (this.#stopped) return;
    this.#options.onError?.(error);
    const delay = Math.min(500 * 2 ** this.#failures, 30_000);
    this.#failures += 1;
    this.#retryTimer = setTimeout(() => void this.#listAndWatch(), delay);
    this.#retryTimer.unref();
  }

  async #list(): Promise<void> {
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.#api.request<ObjectList<T>>("GET", this.#options.path, {
        query: { limit: this.#options.pageSize, continue: continueToken },
      });
      for (const item of page.items) fresh.set(objectKey(item), this.#options.transform(item));
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    if (this.#stopped) return;

    for (const [key, old] of this.#cache) {
      if (!fresh.has(key)) {
        this.#cache.delete(key);
        this.#emit({ type: "deleted", object: old });
      }
    }
    for (const [key, object] of fresh) {
      const old = this.#cache.get(key);
      this.#cache.set(key, object);
      if (!old) this.#emit({ type: "added", object });
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
        this.#emit({ type: "updated", object, old });
      }
    }
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  /**
   * Watches from the last version seen until a relist is needed (it then throws): a clean end or an idle timeout
   * resumes the watch from there, as client-go's reflector does.
   */
  async #watch(): Promise<void> {
    while (!this.#stopped) {
      let relist = false;
      const watching = new AbortController();
      this.#watching = watching;
      try {
        await this.#api.watch(
          this.#options.path,
          { resourceVersion: this.#resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
          (type, object) => {
            if (type === "ERROR") {
              // 410 Gone: our resourceVersion was compacted away; anything else is as bad. Both mean relist.
              relist = true;
              watching.abort();
              return;
            }
            const item = object as T;
            if (item.metadata?.resourceVersion) this.#resourceVersion = item.metadata.resourceVersion;
            if (type === "BOOKMARK") return;
            this.#apply(type, this.#options.transform(item));
          },
          watching.signal,
        );
      } catch (error) {
        if (this.#stopped) return;
        if (relist) throw new KubeApiError(410, "Gone", "watch expired; relisting");
        const name = (error as Error | undefined)?.name;
        if (name !== "TimeoutError" && name !== "AbortError") throw error;
      }
    }
  }

  #apply(type: string, object: T): void {
    const key = objectKey(object);
    const old = this.#cache.get(key);
    if (type === "DELETED") {
      this.#cache.delete(key);
      this.#emit({ type: "deleted", object: old ?? object });
      return;
    }
    this.#cache.set(key, object);
    if (old) this.#emit({ type: "updated", object, old });
    else this.#emit({ type: "added", object });
  }
}
