import type { Logger } from "pino";
import type { CustomHostname } from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { API_GROUP, API_VERSION } from "../../api/group.ts";
import type { CloudflareClient } from "../../cloudflare/index.ts";
import type { KubeApiClient } from "../../kube/api-client.ts";
import type { ReconcileResult } from "../../kube/controller.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { Informer } from "../../kube/informer.ts";
import { type ResourceType, setFinalizer, writeStatus } from "../../kube/resources.ts";
import { type CloudflareAccess, failureOf } from "../../zones/cloudflare-access.ts";
import type { ZonePoller } from "../../zones/zone-poller.ts";
import { type CredentialsState, type PlannedEvent, RetryLater } from "../model.ts";
import type { HostnameClaims } from "./claims.ts";
import { decideCustomHostname } from "./decide.ts";
import { CUSTOM_HOSTNAME_FINALIZER, type CustomHostnameAction, type HostnameObservation } from "./types.ts";

export const customHostnameResource: ResourceType = {
  group: API_GROUP,
  version: API_VERSION,
  plural: "customhostnames",
  kind: "CustomHostname",
  namespaced: true,
};

export interface CustomHostnameState {
  namespace: string;
  name: string;
  hostname: string;
  hostnameStatus?: string;
  sslStatus?: string;
  ready: boolean;
  certificateExpiresAt?: Date;
}

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
  onState?: (state: CustomHostnameState) => void;
  onGone?: (namespace: string, name: string) => void;
  now?: () => Date;
}

/** Decisions are pure and converge; a loop that keeps asking for actions is a bug, not a reason to spin. */
const maxStepsPerReconcile = 8;

/**
 * Runs decideCustomHostname for one key: gathers the world from the caches, performs the one step the decision
 * asks for, folds the outcome back in, and asks again until only the status write remains.
 */
export class CustomHostnameExecutor {
  readonly #options: CustomHostnameExecutorOptions;

  constructor(options: CustomHostnameExecutorOptions) {
    this.#options = options;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const { hostnames, origins, access, claims } = this.#options;
    const cached = hostnames.get(key);
    if (!cached) {
      const [namespace = "", name = ""] = key.split("/");
      this.#options.onGone?.(namespace, name);
      return undefined;
    }
    let object: CustomHostname = {
      ...cached,
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "CustomHostname",
    };
    const fallbackOrigin = origins.get(object.spec.fallbackOriginRef.name);
    let credentials: CredentialsState = {
      kind: "problem",
      reason: "CredentialsCheckFailed",
      message: `FallbackOrigin ${object.spec.fallbackOriginRef.name} not found`,
    };
    let client: CloudflareClient | undefined;
    if (fallbackOrigin) {
      const zoneAccess = await access.forOrigin(fallbackOrigin);
      credentials = zoneAccess.state;
      client = zoneAccess.client;
    }
    const zoneOf = (claimant: CustomHostname) =>
      origins.get(claimant.spec.fallbackOriginRef.name)?.spec.zoneId;
    const conflict = claims.conflictFor(object, zoneOf);
    let observation = this.#fromSnapshot(object, fallbackOrigin);
    const log = this.#options.logger.child({ controller: "customhostname", key });
    const steps: string[] = [];

    for (let step = 0; step < maxStepsPerReconcile; step++) {
      const now = this.#now();
      const decision = decideCustomHostname({
        object,
        fallbackOrigin,
        credentials,
        conflict,
        observation,
        now,
        scheduleScale: this.#options.scheduleScale,
      });
      const action = decision.action;
      if (!action) {
        const written = await writeStatus(this.#options.api, customHostnameResource, object, decision.status);
        for (const event of decision.events) this.#record(object, event);
        this.#options.onState?.({
          namespace: object.metadata.namespace,
          name: object.metadata.name,
          hostname: object.spec.hostname,
          hostnameStatus: decision.status.hostnameStatus,
          sslStatus: decision.status.sslStatus,
          ready: decision.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
          certificateExpiresAt: decision.status.certificate?.expiresAt
            ? new Date(decision.status.certificate.expiresAt)
            : undefined,
        });
        const ready = decision.status.conditions?.find((c) => c.type === "Ready");
        log.info(
          {
            steps,
            statusWritten: written,
            hostnameId: decision.status.hostnameId,
            hostnameStatus: decision.status.hostnameStatus,
            sslStatus: decision.status.sslStatus,
            ready: ready?.status,
            reason: ready?.reason,
            requeueAfterMs: decision.requeueAfterMs,
          },
          "reconciled",
        );
        if (decision.retry) {
          const synced = decision.status.conditions?.find((c) => c.type === "Synced");
          throw new RetryLater(synced?.message || ready?.message || "retrying");
        }
        return { requeueAfterMs: decision.requeueAfterMs };
      }
      steps.push(action.kind);
      if (action.kind === "addFinalizer" || action.kind === "removeFinalizer") {
        const updated = await setFinalizer(
          this.#options.api,
          customHostnameResource,
          object,
          CUSTOM_HOSTNAME_FINALIZER,
          action.kind === "addFinalizer",
        );
        if (action.kind === "removeFinalizer") {
          for (const event of decision.events) this.#record(object, event);
          log.info({ steps }, "released");
          return undefined;
        }
        if (updated) object = { ...object, ...(updated as CustomHostname) };
        continue;
      }
      if (!client || !fallbackOrigin)
        throw new Error(`decision asked to ${action.kind} without Cloudflare access`);
      observation = await this.#perform(action, client, fallbackOrigin.spec.zoneId, object);
    }
    throw new Error(`reconcile of ${key} did not settle after ${maxStepsPerReconcile} steps`);
  }

  /**
   * The zone poller's copy stands in for a GET when it is younger than one poll interval, the object has no
   * unobserved spec change, and (for a hostname still validating) it was taken after the check fell due.
   */
  #fromSnapshot(object: CustomHostname, origin: FallbackOrigin | undefined): HostnameObservation {
    if (!origin || object.metadata.deletionTimestamp) return { kind: "unobserved" };
    if (object.metadata.generation !== object.status?.observedGeneration) return { kind: "unobserved" };
    const snapshot = this.#options.poller.snapshot(origin.spec.zoneId);
    const hostname = snapshot?.byHostname.get(object.spec.hostname);
    if (!snapshot || !hostname || hostname.id !== object.status?.hostnameId) return { kind: "unobserved" };
    const ready = object.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const due = object.status?.nextCheckTime ? Date.parse(object.status.nextCheckTime) : 0;
    if (!ready && snapshot.takenAt < due) return { kind: "unobserved" };
    return { kind: "found", hostname, source: "snapshot" };
  }

  async #perform(
    action: Exclude<CustomHostnameAction, { kind: "addFinalizer" | "removeFinalizer" }>,
    client: CloudflareClient,
    zoneId: string,
    object: CustomHostname,
  ): Promise<HostnameObservation> {
    try {
      switch (action.kind) {
        case "observe":
          return await this.#observe(client, zoneId, object);
        case "create": {
          const created = await client.createCustomHostname(zoneId, action.body);
          this.#record(object, action.event);
          return { kind: "found", hostname: created, source: "create" };
        }
        case "update": {
          const updated = await client.editCustomHostname(zoneId, action.id, action.body);
          this.#record(object, action.event);
          return { kind: "found", hostname: updated, source: "update" };
        }
        case "delete": {
          await client.deleteCustomHostname(zoneId, action.id).catch((error: unknown) => {
            if (failureOf(error).kind !== "notFound") throw error;
          });
          this.#record(object, action.event);
          return { kind: "absent" };
        }
      }
    } catch (error) {
      const failure = failureOf(error);
      // 1406: it exists after all (a create whose reply was lost, or one made by someone else meanwhile).
      if (action.kind === "create" && failure.kind === "duplicate")
        return this.#observe(client, zoneId, object);
      if (failure.kind === "auth") this.#options.access.invalidate(client);
      return { kind: "failed", failure };
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
          return { kind: "found", hostname: await client.getCustomHostname(zoneId, id), source: "get" };
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

  #record(object: CustomHostname, event: PlannedEvent): void {
    void this.#options.events.record(object, event.type, event.reason, event.action, event.note);
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }
}
