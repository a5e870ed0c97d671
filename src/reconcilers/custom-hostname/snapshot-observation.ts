import { ConditionType } from "../../api/conditions.ts";
import type { CustomHostname } from "../../api/custom-hostname.ts";
import { conditionIsTrue } from "../../kube/status-conditions.ts";
import type { ZoneSnapshot } from "../../zones/zone-poller.ts";
import type { HostnameObservation } from "./types.ts";

export interface OwnedHostnameLook {
  /** A CustomHostname with `status.hostnameId`. */
  object: CustomHostname;
  /** The zone poller's listing of its zone, if one is young enough to use. */
  snapshot: ZoneSnapshot | undefined;
  now: number;
  /** How long a check that fell due waits for a listing that may serve it with others. */
  checkGraceMs: number;
  /** More checks are due in the zone than its listing has pages (counted by the controller's sweep). */
  checksOutnumberListing: boolean;
  /** How soon a check waiting for such a listing looks again, should the listing's refresh not wake it first. */
  listingWaitMs: number;
}

/**
 * What the zone's listing tells of a hostname this object owns: its copy stands in for a GET when the spec has no
 * unobserved change and (while still validating) the listing was taken after Cloudflare's check fell due, or that
 * check is still to come. A check that fell due after the listing waits a grace for a listing serving many due
 * checks at once, and waits on for it while more are due than it has pages (one listing is then cheaper than a
 * GET each, whenever it can go); otherwise the reconcile reads the hostname by id.
 */
export function observeOwnedFromSnapshot(look: OwnedHostnameLook): HostnameObservation {
  const { object, snapshot, now } = look;
  if (object.metadata.generation !== object.status?.observedGeneration) return { kind: "unobserved" };
  const hostname = snapshot?.byHostname.get(object.spec.hostname);
  if (!snapshot || !hostname || hostname.id !== object.status?.hostnameId) return { kind: "unobserved" };
  const ready = conditionIsTrue(object.status?.conditions, ConditionType.Ready);
  const due = object.status?.nextCheckTime ? Date.parse(object.status.nextCheckTime) : 0;
  // Before Cloudflare's check falls due the listing is as current as a GET (the operator's own writes and reads
  // go into it), so a reconcile woken by something else, a change in the customer's DNS, settles from it.
  if (ready || snapshot.takenAt >= due || now < due) return { kind: "found", hostname, source: "snapshot" };
  const batchUntil = due + look.checkGraceMs;
  if (now < batchUntil) return { kind: "queued", waitMs: batchUntil - now };
  if (look.checksOutnumberListing) return { kind: "queued", waitMs: look.listingWaitMs };
  return { kind: "unobserved" };
}
