/**
 * What one route asks of its generated CustomHostnames, decided from a snapshot of the caches without touching the
 * cluster: which to create, put back in shape, take over or delete, and what to tell the route's owner.
 */
import { isDeepStrictEqual } from "node:util";
import { ConditionType } from "../../api/conditions.ts";
import { CUSTOM_HOSTNAME_KIND, type CustomHostname } from "../../api/custom-hostname.ts";
import { API_GROUP_VERSION } from "../../api/group.ts";
import { Reason } from "../../api/reasons.ts";
import {
  generatedName,
  generatedSpec,
  parseSourceAnnotations,
  SOURCE_LABEL,
  type SourceSettings,
  selectHostnames,
  sourceLabelValue,
} from "../../api/sources.ts";
import { apiVersionOf } from "../../kube/resources.ts";
import { findCondition } from "../../kube/status-conditions.ts";
import type { PlannedEvent } from "../model.ts";
import type { Claim } from "./claims.ts";
import type { RouteKind, RouteObject } from "./route-kinds.ts";

export type SourceWrite =
  | { kind: "create"; object: CustomHostname }
  /** A PUT of the whole object, guarded by its resourceVersion; `fields` says what changes. */
  | { kind: "update"; object: CustomHostname; fields: string[]; takeover: boolean }
  /** Guarded by uid and resourceVersion: an object that changed hands meanwhile is not deleted. */
  | { kind: "delete"; object: CustomHostname };

export interface RoutePlan {
  writes: SourceWrite[];
  /** Problems to report on the route; what the writes did is reported once they succeed. */
  events: PlannedEvent[];
}

export interface RoutePlanInput {
  kind: RouteKind;
  /** The route as cached; undefined once it is deleted. */
  route: RouteObject | undefined;
  /** The CustomHostnames this route generated. */
  generated: CustomHostname[];
  fallbackOriginExists(name: string): boolean;
  claimFor(hostname: string): Claim;
  /** Whether another route of the namespace asks for `hostname` and will take its CustomHostname over. */
  hasSuccessor(hostname: string): boolean;
}

/** What a route takes part with: its settings and hostnames, or why it does not. */
export type RouteParticipation =
  | { kind: "out" }
  | { kind: "invalid"; problems: string[] }
  | { kind: "in"; settings: SourceSettings; hostnames: string[]; invalid: string[] };

export function participation(kind: RouteKind, route: RouteObject | undefined): RouteParticipation {
  if (!route || route.metadata.deletionTimestamp) return { kind: "out" };
  const parsed = parseSourceAnnotations(route.metadata.annotations);
  if (parsed.kind === "absent") return { kind: "out" };
  if (parsed.kind === "invalid") return parsed;
  const { selected, invalid } = selectHostnames(kind.hostnames(route), parsed.settings);
  return { kind: "in", settings: parsed.settings, hostnames: selected, invalid };
}

/** Lists at most this many names in one event note; the count says the rest. */
const NAMES_PER_NOTE = 10;

export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_PER_NOTE).join(", ");
  return names.length > NAMES_PER_NOTE ? `${shown} and ${names.length - NAMES_PER_NOTE} more` : shown;
}

export function planRoute(input: RoutePlanInput): RoutePlan {
  const { kind, route, generated } = input;
  // A hostname handed to another route of the namespace is taken over there, never deleted and recreated.
  const deletable = generated.filter(
    (object) => !object.metadata.deletionTimestamp && !input.hasSuccessor(object.spec.hostname),
  );
  const taking = participation(kind, route);
  if (taking.kind === "out") {
    return { writes: deletable.map((object) => ({ kind: "delete", object })), events: [] };
  }
  if (taking.kind === "invalid") {
    // Leave everything as it is: a typo in an annotation must not delete customer hostnames.
    return {
      writes: [],
      events: [
        {
          type: "Warning",
          reason: Reason.InvalidAnnotation,
          action: "Validate",
          note: `${taking.problems.join("; ")}. Nothing was changed.`,
        },
      ],
    };
  }
  const { settings, hostnames, invalid } = taking;
  const events: PlannedEvent[] = [];
  if (invalid.length > 0) {
    events.push({
      type: "Warning",
      reason: Reason.InvalidHostname,
      action: "Validate",
      note:
        `skipped ${invalid.length} hostname(s) a CustomHostname cannot carry: ${listNames(invalid)}. A hostname ` +
        "needs at least two labels of lowercase letters, digits and inner hyphens, ending in a label that " +
        'starts with a letter, optionally behind "*."',
    });
  }
  if (!input.fallbackOriginExists(settings.fallbackOrigin)) {
    events.push({
      type: "Warning",
      reason: Reason.FallbackOriginNotFound,
      action: "Validate",
      note:
        `FallbackOrigin ${settings.fallbackOrigin} (annotation cfsaas.dev/fallback-origin) does not exist; ` +
        "no CustomHostname is created or changed until it does.",
    });
    return { writes: [], events };
  }
  // Checked above: only a live route takes part.
  const owner = route as RouteObject;
  const writes: SourceWrite[] = [];
  const wanted = new Set(hostnames);
  const mine = new Map(generated.map((object) => [object.spec.hostname, object]));
  const held: string[] = [];
  for (const hostname of hostnames) {
    const existing = mine.get(hostname);
    if (existing) {
      // Being deleted (the hostname was dropped and added back): its deletion wakes the route again.
      if (existing.metadata.deletionTimestamp) continue;
      const update = reshape(kind, owner, existing, settings, false);
      if (update) writes.push(update);
      continue;
    }
    const claim = input.claimFor(hostname);
    if (claim.kind === "held") held.push(`${hostname} (${claim.by})`);
    else if (claim.kind === "takeover") {
      const update = reshape(kind, owner, claim.object, settings, true);
      if (update) writes.push(update);
    } else if (claim.kind === "free") {
      writes.push({ kind: "create", object: desiredObject(kind, owner, hostname, settings) });
    }
  }
  if (held.length > 0) {
    events.push({
      type: "Warning",
      reason: Reason.Conflict,
      action: "Claim",
      note: `left ${held.length} hostname(s) to the object that already claims them: ${listNames(held)}`,
    });
  }
  for (const object of deletable) {
    if (!wanted.has(object.spec.hostname)) writes.push({ kind: "delete", object });
  }
  return { writes, events };
}

function ownerReference(kind: RouteKind, route: RouteObject) {
  return {
    apiVersion: apiVersionOf(kind.resource),
    kind: kind.resource.kind,
    name: route.metadata.name,
    uid: route.metadata.uid ?? "",
    controller: true,
  };
}

export function desiredObject(
  kind: RouteKind,
  route: RouteObject,
  hostname: string,
  settings: SourceSettings,
): CustomHostname {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: CUSTOM_HOSTNAME_KIND,
    metadata: {
      name: generatedName(hostname),
      namespace: route.metadata.namespace ?? "",
      labels: { [SOURCE_LABEL]: sourceLabelValue(kind.resource.kind, route.metadata.name) },
      ownerReferences: [ownerReference(kind, route)],
    },
    spec: generatedSpec(hostname, settings),
  };
}

/**
 * `existing` with the spec, label and controller reference the route asks for, or nothing when it has them.
 * Everything else (other labels, annotations such as cfsaas.dev/refresh, finalizers) is kept.
 */
function reshape(
  kind: RouteKind,
  route: RouteObject,
  existing: CustomHostname,
  settings: SourceSettings,
  takeover: boolean,
): SourceWrite | undefined {
  const spec = generatedSpec(existing.spec.hostname, settings);
  const label = sourceLabelValue(kind.resource.kind, route.metadata.name);
  const reference = ownerReference(kind, route);
  const references = existing.metadata.ownerReferences ?? [];
  const fields: string[] = [];
  for (const field of Object.keys(spec) as Array<keyof typeof spec>) {
    if (!isDeepStrictEqual(plain(existing.spec[field]), plain(spec[field]))) fields.push(`spec.${field}`);
  }
  for (const field of Object.keys(existing.spec)) {
    if (!(field in spec)) fields.push(`spec.${field}`);
  }
  if (existing.metadata.labels?.[SOURCE_LABEL] !== label) fields.push(`label ${SOURCE_LABEL}`);
  const controllers = references.filter((candidate) => candidate.controller);
  if (controllers.length !== 1 || !isDeepStrictEqual(plain(controllers[0]), reference)) {
    fields.push("ownerReferences");
  }
  if (fields.length === 0) return undefined;
  return {
    kind: "update",
    fields,
    takeover,
    object: {
      ...existing,
      apiVersion: API_GROUP_VERSION,
      kind: CUSTOM_HOSTNAME_KIND,
      metadata: {
        ...existing.metadata,
        labels: { ...existing.metadata.labels, [SOURCE_LABEL]: label },
        ownerReferences: [...references.filter((candidate) => !candidate.controller), reference],
      },
      spec,
    },
  };
}

/** Drops undefined members, so a cached object and a built one compare as they would once serialised. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * Ready reasons that mean "still on its way" (waiting on the customer's DNS or on Cloudflare), not a failure the
 * route's owner must hear about.
 */
const progressReasons = new Set<string>([
  Reason.Active,
  Reason.PendingValidation,
  Reason.Redeploying,
  Reason.NotObserved,
  Reason.Initializing,
  Reason.PendingCertificateValidation,
  Reason.PendingIssuance,
  Reason.PendingDeployment,
  Reason.CloudflareUnavailable,
]);

/** What to tell the route when a generated CustomHostname's Ready condition changes: Ready, or a failure. */
export function readinessEvent(old: CustomHostname, object: CustomHostname): PlannedEvent | undefined {
  const before = findCondition(old.status?.conditions, ConditionType.Ready);
  const after = findCondition(object.status?.conditions, ConditionType.Ready);
  if (!after || (before?.status === after.status && before.reason === after.reason)) return undefined;
  const subject = `${object.spec.hostname} (CustomHostname ${object.metadata.name})`;
  if (after.status === "True") {
    return { type: "Normal", reason: Reason.HostnameReady, action: "Verify", note: `${subject} is Ready` };
  }
  if (after.status === "False" && !progressReasons.has(after.reason)) {
    return {
      type: "Warning",
      reason: Reason.HostnameFailed,
      action: "Verify",
      note: `${subject} is not Ready: ${after.reason}: ${after.message}`,
    };
  }
  return undefined;
}
