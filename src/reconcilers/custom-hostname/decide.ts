/**
 * The CustomHostname reconcile as a pure function: from the object, its FallbackOrigin, the credentials' state, a
 * competing claim and what Cloudflare holds, to the one next step and the complete status. The executor performs
 * the step, folds the outcome into `observation` and asks again, so every path below is one step of a loop that
 * ends in a status write. Because nothing here remembers anything, a crash between two steps converges: the next
 * reconcile observes Cloudflare again, finds what the lost step left there, and carries on from it.
 */

import { ConditionType } from "../../api/conditions.ts";
import {
  type CustomHostname,
  type CustomHostnameStatus,
  REFRESH_ANNOTATION,
  REFRESH_VALUE_MAX_LENGTH,
} from "../../api/custom-hostname.ts";
import { Reason } from "../../api/reasons.ts";
import type { CloudflareFailure } from "../../cloudflare/errors.ts";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import { findCondition, kubeTime } from "../../kube/status-conditions.ts";
import type { ConflictingClaim, PlannedEvent } from "../model.ts";
import {
  applyConditions,
  normalEvent,
  type ReasonedCondition,
  renewsSyncStamp,
  SYNCED,
  warningEvent,
} from "../reporting.ts";
import { MIN_CHECK_DELAY_MS } from "../schedule.ts";
import { REFUSAL_REASONS, reportFailure } from "../sync-failure.ts";
import { cloudflareConditions } from "./cloudflare-verdicts.ts";
import { desiredCreate, desiredEdit, driftedFields } from "./desired-state.ts";
import { dnsRefreshFor, withCustomerDns } from "./dns-status.ts";
import { type NextCheckInput, nextCheck, type SettledOn } from "./next-check.ts";
import {
  type CloudflareStatusFields,
  cloudflareFields,
  requiredCname,
  withRoutingRecord,
} from "./status-mapping.ts";
import {
  CUSTOM_HOSTNAME_FINALIZER,
  type CustomHostnameAction,
  type CustomHostnameDecision,
  type CustomHostnameInput,
} from "./types.ts";

export function decideCustomHostname(input: CustomHostnameInput): CustomHostnameDecision {
  const { object, observation } = input;
  if (object.metadata.deletionTimestamp !== undefined) return decideDeletion(input);
  // Its create waits for the budget: nothing is in Cloudflare yet, so no finalizer either until it goes. During a
  // large rollout that spares the API server a patch per hostname while thousands wait.
  if (observation.kind === "queued" && waitsForItsCreate(input)) return queued(input, observation.waitMs);
  if (!hasFinalizer(object)) return step(input, { kind: "addFinalizer" });

  const blocked = blockingProblem(input);
  if (blocked) {
    return settle(input, {
      conditions: [
        { type: ConditionType.Ready, status: "False", reason: blocked.reason, message: blocked.message },
        { type: ConditionType.Synced, status: "False", reason: blocked.reason, message: blocked.message },
      ],
      events: [warningEvent(blocked.reason, "Sync", blocked.message)],
      next: { kind: "waitingOnUser" },
      retry: blocked.retry,
    });
  }

  switch (observation.kind) {
    case "unobserved":
      if (refusedUntilLater(input)) return unchanged(input);
      return step(input, { kind: "observe" });
    case "failed":
      return failed(input, observation.failure, "Sync");
    case "queued":
      return queued(input, observation.waitMs);
    case "absent":
      // Absent by the zone listing: a refused create is not repeated before its retry either.
      if (refusedUntilLater(input)) return unchanged(input);
      return step(input, create(object));
    case "found":
      return decideFound(input, observation.hostname, observation.source);
  }
}

function decideDeletion(input: CustomHostnameInput): CustomHostnameDecision {
  const { object, observation, conflict } = input;
  if (!hasFinalizer(object)) return { status: object.status ?? {}, events: [] };
  const id = object.status?.hostnameId;
  const hostname = object.spec.hostname;
  if (object.spec.deletionPolicy === "Retain" || (id === undefined && conflict !== undefined)) {
    const events = id
      ? [
          normalEvent(
            "Retained",
            "Delete",
            `left hostname ${hostname} (${id}) in Cloudflare: deletionPolicy is Retain`,
          ),
        ]
      : [];
    return { ...step(input, { kind: "removeFinalizer" }), events };
  }

  const blocked = deletionBlocker(input);
  if (blocked) {
    const message = `cannot delete hostname ${hostname} from Cloudflare: ${blocked}. To let this object go anyway, set spec.deletionPolicy: Retain (the hostname stays in Cloudflare), or remove the finalizer: kubectl patch cfh ${object.metadata.name} -n ${object.metadata.namespace} --type=merge -p '{"metadata":{"finalizers":null}}'`;
    return settle(input, {
      conditions: [{ type: ConditionType.Ready, status: "False", reason: "DeletionBlocked", message }],
      events: [warningEvent("DeletionBlocked", "Delete", message)],
      next: { kind: "waitingOnUser" },
      retry: false,
    });
  }

  switch (observation.kind) {
    case "unobserved":
      return step(input, id ? deletion(hostname, id) : { kind: "observe" });
    case "found":
      return step(input, deletion(hostname, observation.hostname.id));
    case "absent":
      return step(input, { kind: "removeFinalizer" });
    case "failed":
      return failed(input, observation.failure, "Delete");
    case "queued":
      // Deletion steps draw from the urgent share and are never queued; should one be, look again soon.
      return { status: object.status ?? {}, events: [], requeueAfterMs: observation.waitMs };
  }
}

function decideFound(
  input: CustomHostnameInput,
  hostname: CloudflareHostname,
  source: "get" | "list" | "create" | "update" | "snapshot",
): CustomHostnameDecision {
  const { object } = input;
  const previousId = object.status?.hostnameId;
  const claiming = hostname.id !== previousId;

  // A create or update reply is what we just asked for; comparing it again could loop on a field Cloudflare
  // applies asynchronously. The next reconcile compares a fresh read.
  const wrote = source === "create" || source === "update";
  const drift = wrote ? [] : driftedFields(object.spec, hostname);
  if (drift.length > 0 && !claiming && refusalStands(input)) {
    // The last edit of this spec was refused; the snapshot still refreshes what Cloudflare shows meanwhile, and
    // the retry stays when the refusal set it.
    return settle(input, {
      cloudflare: cloudflareFields(hostname),
      conditions: conditionsOf(input, hostname),
      events: [],
      next: { kind: "refusalWaiting" },
      retry: false,
    });
  }
  if (drift.length > 0) {
    const fields = drift.join(", ");
    const event =
      object.metadata.generation !== object.status?.observedGeneration
        ? normalEvent(
            "Updated",
            "Update",
            `applied the spec to ${object.spec.hostname} in Cloudflare: ${fields}`,
          )
        : warningEvent(
            "DriftCorrected",
            "Update",
            `${object.spec.hostname} was changed in Cloudflare outside this object (${fields}); set back to the spec`,
          );
    return step(input, { kind: "update", id: hostname.id, body: desiredEdit(object.spec), drift, event });
  }

  // Any create or edit restarts Cloudflare's validation, so it also answers a refresh request.
  const refresh = refreshRequested(object);
  if (refresh !== undefined && !wrote) {
    const event = normalEvent(
      "Refreshed",
      "Refresh",
      `asked Cloudflare to re-validate ${object.spec.hostname} (${REFRESH_ANNOTATION}: ${refresh})`,
    );
    return step(input, { kind: "update", id: hostname.id, body: desiredEdit(object.spec), drift: [], event });
  }
  // The customer's DNS just became right while Cloudflare's next own check is far: the same refresh (dns-status.ts).
  const dnsRefresh = dnsRefreshFor(input, hostname);
  if (dnsRefresh && !wrote) {
    return step(input, {
      kind: "update",
      id: hostname.id,
      body: desiredEdit(object.spec),
      drift: [],
      event: dnsRefresh,
    });
  }

  const adopted = claiming
    ? source !== "create" && !createdForThisObject(hostname, object)
    : (object.status?.adopted ?? false);
  const events: PlannedEvent[] = [];
  if (claiming && source !== "create") {
    events.push(
      normalEvent(
        "Adopted",
        "Adopt",
        adopted
          ? `adopted the existing Cloudflare hostname ${hostname.hostname} (${hostname.id}) instead of creating a duplicate`
          : `found ${hostname.hostname} (${hostname.id}), created for this object before its status was saved; tracking it`,
      ),
    );
  }
  return settle(input, {
    cloudflare: cloudflareFields(hostname),
    adopted,
    ...(refresh !== undefined && { observedRefresh: refresh }),
    dnsRefreshed: wrote && dnsRefresh !== undefined,
    conditions: [...conditionsOf(input, hostname), SYNCED],
    events,
    next: { kind: "hostname", hostname, wrote },
    retry: false,
    synced: true,
  });
}

/**
 * The request budget is spent and this step waits its turn. A hostname not yet in Cloudflare says so in its status,
 * with the DNS records its customer must create (they depend only on the spec and the FallbackOrigin), so nobody
 * waits for the create to learn them. One already in Cloudflare keeps its status and is looked at later.
 */
function queued(input: CustomHostnameInput, waitMs: number): CustomHostnameDecision {
  if (input.object.status?.hostnameId) {
    return { status: input.object.status, events: [], requeueAfterMs: Math.max(MIN_CHECK_DELAY_MS, waitMs) };
  }
  const message = `waiting for its turn to be created in Cloudflare (hostnames are created in the order they were applied, within the request budget); meanwhile the customer can create the DNS records in status.dnsRecords`;
  const decision = settle(input, {
    conditions: [{ type: ConditionType.Ready, status: "False", reason: Reason.Queued, message }],
    events: [],
    next: { kind: "queued", delayMs: waitMs },
    retry: false,
  });
  // Its turn is re-estimated at every look while it waits; a time written here would only cost a status write
  // per look (thousands during a rollout). It is looked at again when its turn is near.
  const { nextCheckTime: _, ...status } = decision.status;
  return { ...decision, status };
}

/**
 * The status of a CustomHostname that waits behind others for its first reconcile (waiting-status.ts): queued,
 * with the DNS records its customer must create. Undefined when it has a status already, is being deleted, or is
 * blocked: its reconcile says so.
 */
export function statusWhileWaiting(input: CustomHostnameInput): CustomHostnameStatus | undefined {
  const { object } = input;
  if (object.status?.requiredCNAME || object.metadata.deletionTimestamp) return undefined;
  return waitsForItsCreate(input) ? queued(input, 0).status : undefined;
}

/** Not in Cloudflare yet, and nothing but the create stands in its way (no blocker, no refusal to wait out). */
function waitsForItsCreate(input: CustomHostnameInput): boolean {
  return !input.object.status?.hostnameId && !blockingProblem(input) && !refusedUntilLater(input);
}

/** The refresh annotation's value when it asks for a refresh not yet made, else undefined. */
function refreshRequested(object: CustomHostname): string | undefined {
  const value = object.metadata.annotations?.[REFRESH_ANNOTATION]?.slice(0, REFRESH_VALUE_MAX_LENGTH);
  return value === undefined || value === object.status?.observedRefresh ? undefined : value;
}

/**
 * `created_at` at or after the object's creation means the hostname came from this object's own create whose
 * status write was lost (a crash): not an adoption of someone else's hostname. Without `created_at` it cannot be
 * told, so it counts as adopted: the hostname was found, not made.
 */
function createdForThisObject(hostname: CloudflareHostname, object: CustomHostname): boolean {
  const createdAt = hostname.created_at === undefined ? Number.NaN : Date.parse(hostname.created_at);
  // creationTimestamp has whole seconds (truncated), so a create in the same second still compares as later.
  return createdAt >= Date.parse(object.metadata.creationTimestamp ?? "");
}

function conditionsOf(input: CustomHostnameInput, hostname: CloudflareHostname): ReasonedCondition[] {
  const { object } = input;
  return cloudflareConditions({
    hostname: object.spec.hostname,
    cnameTarget: requiredCname(object.spec, fallbackOriginOf(input)).target,
    hostnameStatus: hostname.status,
    sslStatus: hostname.ssl?.status,
    verificationErrors: hostname.verification_errors ?? [],
    validationErrors: (hostname.ssl?.validation_errors ?? []).flatMap((error) => error.message ?? []),
  });
}

function failed(
  input: CustomHostnameInput,
  failure: CloudflareFailure,
  action: "Sync" | "Delete",
): CustomHostnameDecision {
  const { requeueAfterMs, ...report } = reportFailure(
    failure,
    action,
    input.object.status?.hostnameStatus !== undefined,
  );
  return settle(input, { ...report, next: { kind: "failure", delayMs: requeueAfterMs } });
}

interface Blocker {
  reason: Reason;
  message: string;
  retry: boolean;
}

function blockingProblem(input: CustomHostnameInput): Blocker | undefined {
  const { object, fallbackOrigin, credentials, conflict } = input;
  const ref = object.spec.fallbackOriginRef.name;
  if (!fallbackOrigin) {
    return {
      reason: "FallbackOriginNotFound",
      message: `FallbackOrigin ${ref} does not exist; create it or fix spec.fallbackOriginRef`,
      retry: false,
    };
  }
  if (conflict) return { reason: "Conflict", message: conflictMessage(object, conflict), retry: false };
  if (credentials.kind === "problem") {
    return {
      reason: credentials.reason,
      message: `the credentials of FallbackOrigin ${ref} cannot be used: ${credentials.message}`,
      // Only a failed check (Cloudflare unreachable) can pass by itself; the rest wait for a Secret change.
      retry: credentials.reason === "CredentialsCheckFailed",
    };
  }
  return undefined;
}

function conflictMessage(object: CustomHostname, conflict: ConflictingClaim): string {
  const claimant = conflict.namespace ? `${conflict.namespace}/${conflict.name}` : conflict.name;
  return `${conflict.kind} ${claimant} already claims ${object.spec.hostname} in this zone; this object leaves Cloudflare untouched until that one is deleted or changes its hostname`;
}

function deletionBlocker(input: CustomHostnameInput): string | undefined {
  if (!input.fallbackOrigin) {
    return `FallbackOrigin ${input.object.spec.fallbackOriginRef.name} (zone and credentials) does not exist`;
  }
  if (input.credentials.kind === "problem") {
    return `the credentials are unusable (${input.credentials.reason}: ${input.credentials.message})`;
  }
  return undefined;
}

function create(object: CustomHostname): CustomHostnameAction {
  const previousId = object.status?.hostnameId;
  const event = previousId
    ? warningEvent(
        "RecreatedInCloudflare",
        "Create",
        `hostname ${object.spec.hostname} (${previousId}) was deleted in Cloudflare outside this object; created it again (the customer's TXT tokens change)`,
      )
    : normalEvent("Created", "Create", `created hostname ${object.spec.hostname} in Cloudflare`);
  return { kind: "create", body: desiredCreate(object.spec), event };
}

/**
 * Cloudflare refused this generation of the spec for a reason only the user can fix (the plan, a hostname it
 * rejects, ssl settings): asking again before the scheduled check, on every watch event or resync, would only
 * repeat the refusal. A spec change (new generation) or the scheduled time ends the wait.
 */
function refusedUntilLater(input: CustomHostnameInput): boolean {
  return refusalStands(input) && !input.object.status?.hostnameId;
}

/** Cloudflare refused this generation of the spec (REFUSAL_REASONS), and the scheduled check is not due yet. */
function refusalStands(input: CustomHostnameInput): boolean {
  const { object, now } = input;
  const synced = findCondition(object.status?.conditions, ConditionType.Synced);
  if (synced?.status !== "False" || !REFUSAL_REASONS.has(synced.reason)) return false;
  if (synced.observedGeneration !== object.metadata.generation) return false;
  const due = object.status?.nextCheckTime ? Date.parse(object.status.nextCheckTime) : 0;
  return due > now.getTime();
}

/** Nothing to do before the scheduled check: the status stays as it is. */
function unchanged(input: CustomHostnameInput): CustomHostnameDecision {
  const status = input.object.status ?? {};
  return {
    status,
    events: [],
    requeueAfterMs: nextCheck(nextCheckInput(input, status.conditions), { kind: "refusalWaiting" }),
  };
}

function deletion(hostname: string, id: string): CustomHostnameAction {
  return {
    kind: "delete",
    id,
    event: normalEvent("Deleted", "Delete", `deleted hostname ${hostname} (${id}) from Cloudflare`),
  };
}

function hasFinalizer(object: CustomHostname): boolean {
  return object.metadata.finalizers?.includes(CUSTOM_HOSTNAME_FINALIZER) ?? false;
}

/** Only reached once blockingProblem has ruled a missing FallbackOrigin out. */
function fallbackOriginOf(input: CustomHostnameInput) {
  if (!input.fallbackOrigin) throw new Error("the FallbackOrigin was checked before Cloudflare was read");
  return input.fallbackOrigin;
}

/** A step for the executor: the status is not final yet, so it is the current one, unchanged. */
function step(input: CustomHostnameInput, action: CustomHostnameAction): CustomHostnameDecision {
  return { action, status: input.object.status ?? {}, events: [] };
}

interface Settlement {
  /** Replaces every Cloudflare-mirrored field; without it they keep their last known values. */
  cloudflare?: CloudflareStatusFields;
  adopted?: boolean;
  /** A refresh request answered by this reconcile's create or edit. */
  observedRefresh?: string;
  /** This reconcile's edit also answered DNS that became right (status.dnsRefreshTime). */
  dnsRefreshed?: boolean;
  conditions: ReasonedCondition[];
  events: PlannedEvent[];
  /** How the reconcile ended: nextCheck turns it into the time of the next look. */
  next: SettledOn;
  retry: boolean;
  /** Cloudflare was read or written successfully in this reconcile. */
  synced?: boolean;
}

/** A read of this hostname's own (a GET, a lookup, a write's reply) is stamped; the shared snapshot only hourly. */
function shouldStampSync(
  input: CustomHostnameInput,
  previous: CustomHostnameStatus,
  next: CustomHostnameStatus,
): boolean {
  const fromSnapshot = input.observation.kind === "found" && input.observation.source === "snapshot";
  return !fromSnapshot || renewsSyncStamp(previous, next, input.now);
}

/** The final decision of a reconcile: the whole status to write, nothing more to do. */
function settle(input: CustomHostnameInput, settlement: Settlement): CustomHostnameDecision {
  const { object, now, fallbackOrigin } = input;
  const previous = object.status ?? {};
  const generation = object.metadata.generation ?? 0;
  const conditions = applyConditions(previous.conditions, settlement.conditions, generation, now);
  const requeueAfterMs = nextCheck(nextCheckInput(input, conditions), settlement.next);
  const status: CustomHostnameStatus = {
    ...previous,
    ...(fallbackOrigin && { requiredCNAME: requiredCname(object.spec, fallbackOrigin) }),
    ...settlement.cloudflare,
    ...(settlement.adopted !== undefined && { adopted: settlement.adopted }),
    ...(settlement.observedRefresh !== undefined && { observedRefresh: settlement.observedRefresh }),
    ...(settlement.dnsRefreshed && { dnsRefreshTime: kubeTime(now) }),
    conditions,
    observedGeneration: generation,
    nextCheckTime: kubeTime(new Date(now.getTime() + requeueAfterMs)),
  };
  if (status.requiredCNAME) status.dnsRecords = withRoutingRecord(status.dnsRecords, status.requiredCNAME);
  const dns = withCustomerDns(input, status, generation);
  const withDns = dns.status;
  if (settlement.synced && shouldStampSync(input, previous, withDns)) withDns.lastSyncTime = kubeTime(now);
  return {
    status: withDns,
    events: [...settlement.events, ...dns.events],
    requeueAfterMs,
    ...(settlement.retry && { retry: true }),
  };
}

function nextCheckInput(
  input: CustomHostnameInput,
  conditions: CustomHostnameStatus["conditions"],
): NextCheckInput {
  return {
    now: input.now,
    scheduled: input.object.status?.nextCheckTime,
    readySince: findCondition(conditions, ConditionType.Ready)?.lastTransitionTime,
    dnsRefreshedAt: input.object.status?.dnsRefreshTime,
    scheduleScale: input.scheduleScale,
  };
}
