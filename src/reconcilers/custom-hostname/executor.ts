import type { Logger } from "pino";
import { ConditionType } from "../../api/conditions.ts";
import { CUSTOM_HOSTNAME_PLURAL, type CustomHostname } from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { API_GROUP, API_VERSION } from "../../api/group.ts";
import { failureOf } from "../../cloudflare/errors.ts";
import { BudgetWaitAborted, type CloudflareClient, withRequestPriority } from "../../cloudflare/index.ts";
import type { KubeApiClient } from "../../kube/api-client.ts";
import type { ReconcileResult } from "../../kube/controller.ts";
import type { EventRecorder } from "../../kube/events.ts";
import { type Informer, objectKey } from "../../kube/informer.ts";
import type { ResourceType } from "../../kube/resources.ts";
import { findCondition } from "../../kube/status-conditions.ts";
import type { CustomHostnameMetricState } from "../../metrics/operator-metrics.ts";
import type { CloudflareAccess, CredentialsState } from "../../zones/cloudflare-access.ts";
import type { ZonePoller, ZoneSnapshot } from "../../zones/zone-poller.ts";
import { runSteps } from "../step-runner.ts";
import { type HostnameClaims, zoneThroughOrigin } from "./claims.ts";
import { decideCustomHostname } from "./decide.ts";
import { type DnsWatch, dnsInput } from "./dns-watcher.ts";
import { observeOwnedFromSnapshot } from "./snapshot-observation.ts";
import { CUSTOM_HOSTNAME_FINALIZER, type CustomHostnameAction, type HostnameObservation } from "./types.ts";

export const customHostnameResource: ResourceType = {
  group: API_GROUP,
  version: API_VERSION,
  plural: CUSTOM_HOSTNAME_PLURAL,
  kind: "CustomHostname",
  namespaced: true,
};

/** A routine Cloudflare step that would wait longer than this for the request budget is reported queued. */
export const QUEUE_AFTER_MS = 2_000;

export interface CustomHostnameExecutorOptions {
  api: KubeApiClient;
  hostnames: Informer<CustomHostname>;
  origins: Informer<FallbackOrigin>;
  claims: HostnameClaims;
  access: CloudflareAccess;
  poller: ZonePoller;
  events: EventRecorder;
  logger: Logger;
  scheduleScale: number;
  /** How long a check that fell due waits for a listing that may serve it with others (see controller.ts). */
  checkGraceMs?: number;
  /**
   * More checks are due in the zone than its listing has pages: the listing, taken as soon as the budget lets it
   * (controller.ts), serves them all for less than a GET each, and its refresh wakes every hostname of the zone.
   */
  checksOutnumberListing: (zoneId: string, snapshot: ZoneSnapshot) => boolean;
  /** How soon a check waiting for such a listing looks again should the listing not wake it. */
  listingWaitMs: number;
  /** How many CustomHostnames wait for their create (pending-creates.ts): validation checks go behind them. */
  pendingCreates: () => number;
  /** The customers' DNS watch, when on: its verdicts go into the decision, the status back into its schedule. */
  dns?: DnsWatch;
  onState?: (state: CustomHostnameMetricState) => void;
  onGone?: (namespace: string, name: string) => void;
  now?: () => Date;
}

/**
 * Runs decideCustomHostname for one key: gathers the world from the caches (FallbackOrigin, verified
 * credentials, claims, the zone poller's snapshot) and lets the step runner perform what the decision asks.
 */
export class CustomHostnameExecutor {
  readonly #options: CustomHostnameExecutorOptions;
  /** Keys whose create waits for the request budget, in the order they were first told to wait. */
  readonly #createQueue = new Set<string>();

  constructor(options: CustomHostnameExecutorOptions) {
    this.#options = options;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const { hostnames, origins, access, claims } = this.#options;
    const cached = hostnames.get(key);
    if (!cached) {
      this.#createQueue.delete(key);
      const [namespace = "", name = ""] = key.split("/");
      this.#options.onGone?.(namespace, name);
      return undefined;
    }
    const object: CustomHostname = {
      ...cached,
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "CustomHostname",
    };
    const fallbackOrigin = origins.get(object.spec.fallbackOriginRef.name);
    const zoneAccess = fallbackOrigin ? await access.forOrigin(fallbackOrigin) : undefined;
    const credentials: CredentialsState = zoneAccess?.state ?? {
      kind: "problem",
      reason: "CredentialsCheckFailed",
      message: `FallbackOrigin ${object.spec.fallbackOriginRef.name} not found`,
    };
    const conflict = claims.conflictFor(object, zoneThroughOrigin(origins));
    const dns = this.#options.dns;

    let createQueued = false;
    const result = await runSteps({
      api: this.#options.api,
      resource: customHostnameResource,
      finalizer: CUSTOM_HOSTNAME_FINALIZER,
      events: this.#options.events,
      log: this.#options.logger.child({ controller: "customhostname", key }),
      object,
      observation: await this.#fromSnapshot(object, fallbackOrigin, zoneAccess?.client, () => {
        createQueued = true;
      }),
      decide: (current, observation) =>
        decideCustomHostname({
          object: current,
          fallbackOrigin,
          credentials,
          conflict,
          observation,
          now: this.#now(),
          scheduleScale: this.#options.scheduleScale,
          dns: dnsInput(dns, key),
        }),
      perform: (action, current) => {
        if (!zoneAccess?.client || !fallbackOrigin) {
          throw new Error(`decision asked to ${action.kind} without Cloudflare access`);
        }
        return this.#perform(action, zoneAccess.client, fallbackOrigin.spec.zoneId, current, () => {
          createQueued = true;
        });
      },
      settled: (current, decision) => {
        const status = decision.status;
        const ready = findCondition(status.conditions, ConditionType.Ready);
        dns?.watcher.track(key, status.dnsRecords ?? [], ready?.status === "True");
        if (status.dnsRefreshTime && status.dnsRefreshTime !== current.status?.dnsRefreshTime) {
          dns?.watcher.noteRefresh(key, status.dnsRefreshTime);
        }
        this.#options.onState?.({
          namespace: current.metadata.namespace,
          name: current.metadata.name,
          hostname: current.spec.hostname,
          hostnameStatus: status.hostnameStatus,
          sslStatus: status.sslStatus,
          ready: ready?.status === "True",
          notReadySince: ready && ready.status !== "True" ? new Date(ready.lastTransitionTime) : undefined,
          certificateExpiresAt: status.certificate?.expiresAt
            ? new Date(status.certificate.expiresAt)
            : undefined,
          dnsReason: findCondition(status.conditions, ConditionType.DNSConfigured)?.reason,
        });
        return {
          hostnameId: status.hostnameId,
          hostnameStatus: status.hostnameStatus,
          sslStatus: status.sslStatus,
        };
      },
    });
    // Created, blocked, refused or deleted meanwhile: it waits for the budget no longer.
    if (!createQueued) this.#createQueue.delete(key);
    return result;
  }

  /**
   * What the zone poller's listing (younger than two poll intervals, `ZonePoller.snapshot`) already tells, so
   * that most reconciles cost no request:
   * - a hostname this object never created: in the listing, it is found there (adopted, not looked up); absent
   *   from it, it is created without a lookup first (a create that lands on a hostname made meanwhile is refused
   *   with 1406, and then one lookup adopts it, so nothing is duplicated), or, when the budget would hold the
   *   create, it is queued at once: the reconcile then writes its queued status and nothing else. A zone not
   *   listed yet is listed now, once for every hostname waiting on it.
   * - a hostname this object owns: see observeOwnedFromSnapshot.
   */
  async #fromSnapshot(
    object: CustomHostname,
    origin: FallbackOrigin | undefined,
    client: CloudflareClient | undefined,
    onCreateQueued: () => void,
  ): Promise<HostnameObservation> {
    if (!origin || !client || object.metadata.deletionTimestamp) return { kind: "unobserved" };
    const zoneId = origin.spec.zoneId;
    const id = object.status?.hostnameId;
    if (id === undefined) {
      const snapshot =
        this.#options.poller.snapshot(zoneId) ?? (await this.#options.poller.refresh({ zoneId, client }));
      if (!snapshot) return { kind: "unobserved" };
      const hostname = snapshot.byHostname.get(object.spec.hostname);
      if (hostname) return { kind: "found", hostname, source: "snapshot" };
      const queued = this.#queuedForBudget(objectKey(object), client, true);
      if (queued) onCreateQueued();
      return queued ?? { kind: "absent" };
    }
    const snapshot = this.#options.poller.snapshot(zoneId);
    return observeOwnedFromSnapshot({
      object,
      snapshot,
      now: this.#now().getTime(),
      checkGraceMs: this.#options.checkGraceMs ?? 0,
      checksOutnumberListing:
        snapshot !== undefined && this.#options.checksOutnumberListing(zoneId, snapshot),
      listingWaitMs: this.#options.listingWaitMs,
    });
  }

  /**
   * Deletes, edits and anything done for an object being deleted draw from the urgent share of the request
   * budget; creates and validation checks are routine, and while the budget is spent they are not started:
   * the reconcile reports them queued and comes back when their turn is near, instead of holding a worker.
   */
  async #perform(
    action: Exclude<CustomHostnameAction, { kind: "addFinalizer" | "removeFinalizer" }>,
    client: CloudflareClient,
    zoneId: string,
    object: CustomHostname,
    onCreateQueued: () => void,
  ): Promise<{ observation: HostnameObservation; succeeded: boolean }> {
    const urgent =
      action.kind === "delete" || action.kind === "update" || object.metadata.deletionTimestamp !== undefined;
    if (!urgent) {
      const create = action.kind === "create";
      const queued = this.#queuedForBudget(objectKey(object), client, create);
      if (queued) {
        if (create) onCreateQueued();
        return { observation: queued, succeeded: false };
      }
    }
    return withRequestPriority(urgent ? "urgent" : "routine", () =>
      this.#call(action, client, zoneId, object),
    );
  }

  /**
   * A routine step waits its turn when the budget would hold it longer than QUEUE_AFTER_MS. Creates keep the
   * order in which they were first told to wait, so a hostname applied during a rollout is created after those
   * applied before it; a validation check goes behind every create still to come (a create is what lets a
   * customer's hostname go live; Cloudflare validates whether or not the operator looks) and comes back later.
   */
  #queuedForBudget(key: string, client: CloudflareClient, create: boolean): HostnameObservation | undefined {
    const ahead = create ? this.#positionInCreateQueue(key) : this.#options.pendingCreates();
    const waitMs = client.estimatedWaitMs(ahead);
    // A create that may go keeps its place until it has gone: the reconcile may still have a finalizer to add
    // before the create, and asks again then. The reconcile's end takes it out (see reconcile).
    if (waitMs <= QUEUE_AFTER_MS) return undefined;
    if (create) this.#createQueue.add(key);
    return { kind: "queued", waitMs };
  }

  #positionInCreateQueue(key: string): number {
    let position = 0;
    for (const queued of this.#createQueue) {
      if (queued === key) return position;
      position++;
    }
    return position;
  }

  async #call(
    action: Exclude<CustomHostnameAction, { kind: "addFinalizer" | "removeFinalizer" }>,
    client: CloudflareClient,
    zoneId: string,
    object: CustomHostname,
  ): Promise<{ observation: HostnameObservation; succeeded: boolean }> {
    try {
      switch (action.kind) {
        case "observe":
          return { observation: await this.#observe(client, zoneId, object), succeeded: true };
        case "create": {
          const created = await client.createCustomHostname(zoneId, action.body);
          this.#options.poller.record(zoneId, created);
          return { observation: { kind: "found", hostname: created, source: "create" }, succeeded: true };
        }
        case "update": {
          const updated = await client.editCustomHostname(zoneId, action.id, action.body);
          this.#options.poller.record(zoneId, updated);
          return { observation: { kind: "found", hostname: updated, source: "update" }, succeeded: true };
        }
        case "delete": {
          await client.deleteCustomHostname(zoneId, action.id).catch((error: unknown) => {
            if (failureOf(error).kind !== "notFound") throw error;
          });
          this.#options.poller.forget(zoneId, object.spec.hostname);
          return { observation: { kind: "absent" }, succeeded: true };
        }
      }
    } catch (error) {
      // Shutting down: no status is written for a call that never started.
      if (error instanceof BudgetWaitAborted) throw error;
      const failure = failureOf(error);
      // 1406: it exists after all (a create whose reply was lost, or one made by someone else meanwhile).
      if (action.kind === "create" && failure.kind === "duplicate") {
        return { observation: await this.#observe(client, zoneId, object), succeeded: false };
      }
      if (failure.kind === "auth") this.#options.access.invalidate(client);
      return { observation: { kind: "failed", failure }, succeeded: false };
    }
  }

  async #observe(
    client: CloudflareClient,
    zoneId: string,
    object: CustomHostname,
  ): Promise<HostnameObservation> {
    try {
      const id = object.status?.hostnameId;
      if (id) {
        try {
          const hostname = await client.getCustomHostname(zoneId, id);
          // Fresher than the zone's listing: a reconcile woken before the next poll (by a DNS change, say)
          // must not take the older listed copy and undo what this read saw.
          this.#options.poller.record(zoneId, hostname);
          return { kind: "found", hostname, source: "get" };
        } catch (error) {
          if (failureOf(error).kind !== "notFound") throw error;
        }
      }
      const found = await client.findCustomHostname(zoneId, object.spec.hostname);
      return found ? { kind: "found", hostname: found, source: "list" } : { kind: "absent" };
    } catch (error) {
      return { kind: "failed", failure: failureOf(error) };
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }
}
