import { randomBytes } from "node:crypto";
import type { KubeApiClient } from "./api-client.ts";
import type { KubeObject } from "./informer.ts";
import { microTime } from "./micro-time.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  /** `reportingController`, e.g. `cfsaas.dev/operator`. */
  controller: string;
  /** `reportingInstance`: this replica (pod name). */
  instance: string;
  /** The same event for the same object is not repeated within this window. */
  dedupeWindowMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Records `events.k8s.io/v1` Events. Best effort, as in client-go: a failed POST never fails a reconcile,
 * and an identical event for the same object within the window is dropped so a retry loop cannot flood etcd.
 */
export class EventRecorder {
  readonly #api: KubeApiClient;
  readonly #options: Required<Omit<EventRecorderOptions, "onError">> & Pick<EventRecorderOptions, "onError">;
  readonly #recent = new Map<string, number>();

  constructor(api: KubeApiClient, options: EventRecorderOptions) {
    this.#api = api;
    this.#options = { dedupeWindowMs: 10 * 60_000, ...options };
  }

  record(
    regarding: KubeObject,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): Promise<void> {
    const now = Date.now();
    const key = `${regarding.metadata.uid}|${type}|${reason}|${note}`;
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < this.#options.dedupeWindowMs) return Promise.resolve();
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) this.#forgetOlderThan(now - this.#options.dedupeWindowMs);
    // Cluster-scoped objects get their events in `default`, as client-go does.
    const namespace = regarding.metadata.namespace ?? "default";
    return this.#api
      .request("POST", `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, {
        body: {
          apiVersion: "events.k8s.io/v1",
          kind: "Event",
          metadata: { name: `${regarding.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
          eventTime: microTime(new Date(now)),
          reportingController: this.#options.controller,
          reportingInstance: this.#options.instance.slice(0, 128),
          action: action.slice(0, 128),
          reason: reason.slice(0, 128),
          type,
          note: note.slice(0, 1024),
          regarding: {
            apiVersion: regarding.apiVersion,
            kind: regarding.kind,
            name: regarding.metadata.name,
            namespace: regarding.metadata.namespace,
            uid: regarding.metadata.uid,
            resourceVersion: regarding.metadata.resourceVersion,
          },
        },
      })
      .then(
        () => undefined,
        (error: unknown) => this.#options.onError?.(error),
      );
  }

  #forgetOlderThan(cutoff: number): void {
    for (const [key, at] of this.#recent) if (at < cutoff) this.#recent.delete(key);
  }
}
