import { setTimeout as sleep } from "node:timers/promises";
import { isConflict, isNotFound, type KubeApiClient } from "./api-client.ts";
import { microTime } from "./micro-time.ts";

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per replica (pod name plus a random suffix). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Lease-based leader election following client-go's rules: a lease is free when its holder is empty or when
 * its record has not changed for a whole lease duration *as observed on our own clock* (clocks of replicas are
 * not compared); acquire and renew are updates guarded by resourceVersion, so two candidates cannot both win.
 * The leader gives up when it cannot renew within the renew deadline, and releases the lease on a clean stop
 * so a successor need not wait out the duration. Defaults are controller-runtime's: 15 s / 10 s / 2 s.
 */
export class LeaderElector {
  readonly #api: KubeApiClient;
  readonly #options: Required<Omit<LeaderElectionOptions, "onError">> &
    Pick<LeaderElectionOptions, "onError">;
  #observedRecord = "";
  #observedAt = 0;
  #leading = false;
  #stopped = false;
  #lost: AbortController = new AbortController();
  /** The renewal on the wire, if any: a release must not race it, or the renewal would take the lease back. */
  #renewal: Promise<boolean> | undefined;

  constructor(api: KubeApiClient, options: LeaderElectionOptions) {
    this.#api = api;
    this.#options = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.#options;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > 1.2 * retryPeriodMs)) {
      throw new Error("leader election needs leaseDuration > renewDeadline > 1.2 × retryPeriod");
    }
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  get #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#options.namespace}/leases/${this.#options.name}`;
  }

  /**
   * Waits until this replica holds the lease, then keeps renewing it in the background. Returns a signal that
   * aborts when leadership is lost (the caller should stop its controllers and exit), or undefined if stopped
   * before it ever led.
   */
  async acquire(): Promise<AbortSignal | undefined> {
    while (!this.#stopped) {
      this.#renewal = this.#tryAcquireOrRenew();
      if (await this.#renewal) {
        this.#leading = true;
        this.#lost = new AbortController();
        void this.#renewLoop();
        return this.#lost.signal;
      }
      await sleep(this.#jittered(this.#options.retryPeriodMs));
    }
    return undefined;
  }

  /** Stops renewing and, if leading, hands the lease back so another replica can take over at once. */
  async release(): Promise<void> {
    this.#stopped = true;
    await this.#renewal;
    if (!this.#leading) return;
    this.#leading = false;
    try {
      const lease = await this.#api.request<Lease>("GET", this.#path);
      if (lease.spec.holderIdentity !== this.#options.identity) return;
      const now = microTime(new Date());
      await this.#api.request("PUT", this.#path, {
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: "",
            leaseDurationSeconds: 1,
            renewTime: now,
            acquireTime: now,
          },
        },
      });
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async #renewLoop(): Promise<void> {
    let lastRenewal = Date.now();
    while (this.#leading && !this.#stopped) {
      await sleep(this.#options.retryPeriodMs);
      if (this.#stopped) return;
      this.#renewal = this.#tryAcquireOrRenew();
      if (await this.#renewal) {
        lastRenewal = Date.now();
      } else if (Date.now() - lastRenewal >= this.#options.renewDeadlineMs) {
        this.#leading = false;
        this.#lost.abort(new Error("leader election lost: the lease could not be renewed in time"));
        return;
      }
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { identity } = this.#options;
    const now = new Date();
    const durationSeconds = Math.ceil(this.#options.leaseDurationMs / 1000);
    try {
      let lease: Lease;
      try {
        lease = await this.#api.request<Lease>("GET", this.#path);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.#api.request(
          "POST",
          `/apis/coordination.k8s.io/v1/namespaces/${this.#options.namespace}/leases`,
          {
            body: {
              apiVersion: "coordination.k8s.io/v1",
              kind: "Lease",
              metadata: { name: this.#options.name, namespace: this.#options.namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: microTime(now),
                renewTime: microTime(now),
                leaseTransitions: 0,
              },
            },
          },
        );
        return true;
      }
      const record = JSON.stringify(lease.spec);
      if (record !== this.#observedRecord) {
        this.#observedRecord = record;
        this.#observedAt = now.getTime();
      }
      const holder = lease.spec.holderIdentity ?? "";
      const heldFor = (lease.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder !== "" && holder !== identity && this.#observedAt + heldFor > now.getTime()) return false;
      const taking = holder !== identity;
      await this.#api.request("PUT", this.#path, {
        body: {
          ...lease,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: taking ? microTime(now) : lease.spec.acquireTime,
            renewTime: microTime(now),
            leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (taking && holder !== "" ? 1 : 0),
          },
        },
      });
      return true;
    } catch (error) {
      // A 409 means another candidate wrote first: we simply did not win this round.
      if (!isConflict(error)) this.#options.onError?.(error);
      return false;
    }
  }

  #jittered(ms: number): number {
    return ms * (1 + Math.random() * 0.2);
  }
}
