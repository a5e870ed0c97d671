/**
 * The customer's DNS in the status: what each record of status.dnsRecords resolves to (`observed`, `observedAt`),
 * the DNSConfigured condition, the event when an active hostname's DNS moves away, and whether DNS that just became
 * right should make the operator ask Cloudflare to re-validate now rather than at its next own check, which can be
 * hours away (docs/reference.md#watching-the-customers-dns). Pure: decide.ts calls it with the DNS watcher's last
 * verdicts (dns-watcher.ts).
 */
import type { Condition } from "../../api/conditions.ts";
import { ConditionType } from "../../api/conditions.ts";
import type { CustomHostnameStatus, DnsRecord } from "../../api/custom-hostname.ts";
import { STATUS_TEXT_MAX_LENGTH } from "../../api/status-text.ts";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import { findCondition, kubeTime } from "../../kube/status-conditions.ts";
import type { PlannedEvent } from "../model.ts";
import { applyConditions, normalEvent, type ReasonedCondition, warningEvent } from "../reporting.ts";
import { dnsName, type ObservedRecord } from "./dns-verdict.ts";
import { cloudflareCheckInMs } from "./next-check.ts";
import { cloudflareFields, cut, requiredCname, withRoutingRecord } from "./status-mapping.ts";
import type { CustomHostnameInput } from "./types.ts";

/** The DNS watcher's last verdict on one record, and since when it has said so. */
export type RecordObservation = ObservedRecord & { since: Date };

/** The watcher's verdicts for one CustomHostname, by recordKey. */
export type DnsObservation = ReadonlyMap<string, RecordObservation>;

/** When the DNS watch may ask Cloudflare to re-validate (`--dns-refresh-threshold`, `--dns-refresh-interval`). */
export interface DnsRefreshPolicy {
  /** Only when Cloudflare's next own check is further away than this. */
  thresholdMs: number;
  /** At most once per hostname in this long. */
  intervalMs: number;
}

/** Identifies a record the status asks for: its type, name and the value asked for. */
export function recordKey(record: Pick<DnsRecord, "type" | "name" | "value">): string {
  return `${record.type} ${dnsName(record.name)} ${record.value}`;
}

/**
 * status.dnsRecords with what each resolves to. `observedAt` is when the watcher first saw that answer: a lookup
 * that finds the same answer changes nothing, so it costs no status write, and a record not looked up yet since a
 * restart keeps the answer status already has.
 */
export function withObservedRecords(
  records: readonly DnsRecord[],
  previous: readonly DnsRecord[] | undefined,
  observation: DnsObservation,
): DnsRecord[] {
  return records.map((record) => {
    const { observed: _observed, observedAt: _observedAt, ...asked } = record;
    const seen = observation.get(recordKey(record));
    if (!seen) {
      // Not looked up by this process yet (it just started): the last answer in status still stands.
      const kept = previous?.find((old) => recordKey(old) === recordKey(record));
      return kept?.observed === undefined
        ? asked
        : { ...asked, observed: kept.observed, observedAt: kept.observedAt };
    }
    const observed = cut(seen.observed, STATUS_TEXT_MAX_LENGTH);
    const before = previous?.find((old) => recordKey(old) === recordKey(record) && old.observed === observed);
    return { ...asked, observed, observedAt: before?.observedAt ?? kubeTime(seen.since) };
  });
}

/** The records whose verdicts make DNSConfigured: routing, and the certificate's TXT records while listed. */
function decisive(records: readonly DnsRecord[]): DnsRecord[] {
  return records.filter((record) => record.purpose !== "OwnershipVerification");
}

function instruction(record: DnsRecord): string {
  return record.type === "CNAME"
    ? `create CNAME ${record.name} → ${record.value}`
    : `create TXT ${record.name} with "${record.value}"`;
}

/**
 * DNSConfigured from the watcher's verdicts; undefined until every record it depends on has been looked up, so a
 * new object gets the condition with its first answers instead of a placeholder first.
 *
 * `activeSince`: when Cloudflare verified the hostname (OwnershipVerified), if it has. Its DNS has moved away when
 * the routing record has resolved wrong only since then (`observedAt`, kept in status across restarts): an answer
 * from before, which the next lookup will replace, or a hostname verified through its TXT record that never had
 * the CNAME, is not a customer leaving.
 */
export function dnsConfiguredCondition(
  records: readonly DnsRecord[],
  observation: DnsObservation,
  activeSince: Date | undefined,
): ReasonedCondition | undefined {
  const routing = records.find((record) => record.purpose === "Routing");
  const routingSeen = routing && observation.get(recordKey(routing));
  if (!routing || !routingSeen) return undefined;
  const judged = decisive(records).flatMap((record) => {
    const seen = observation.get(recordKey(record));
    return seen ? [{ record, seen }] : [];
  });
  // A record Cloudflare just started to ask for is looked up at once; until then the condition stays as it was.
  if (judged.length < decisive(records).length) return undefined;
  const wrong = judged.filter(({ seen }) => seen.verdict !== "match");
  const condition = (status: Condition["status"], reason: ReasonedCondition["reason"], message: string) => ({
    type: ConditionType.DNSConfigured,
    status,
    reason,
    message: cut(message, STATUS_TEXT_MAX_LENGTH),
  });
  const failed = wrong.filter(({ seen }) => seen.verdict === "failed");
  if (failed.length > 0) {
    return condition(
      "Unknown",
      "DNSLookupFailed",
      `${failed.map(({ seen }) => seen.finding).join("; ")}; the operator looks again at its next DNS check`,
    );
  }
  const wrongSince = Date.parse(routing.observedAt ?? "") || routingSeen.since.getTime();
  if (routingSeen.verdict !== "match" && activeSince && wrongSince > activeSince.getTime()) {
    return condition(
      "False",
      "CustomerDNSMovedAway",
      `${routingSeen.finding}: the hostname is active in Cloudflare, but its traffic no longer reaches it and HTTP certificate renewals will fail; ${instruction(routing)}`,
    );
  }
  const first = wrong[0];
  if (first) {
    const reason =
      first.seen.verdict === "loop"
        ? "CnameLoop"
        : first.record.type === "TXT"
          ? "TxtRecordMissing"
          : first.seen.verdict === "missing"
            ? "CnameMissing"
            : "CnameMismatch";
    const ownership = records.find((record) => record.purpose === "OwnershipVerification");
    const ownershipProven =
      ownership && observation.get(recordKey(ownership))?.verdict === "match"
        ? " (the ownership TXT record is in place, so Cloudflare can verify ownership before the CNAME moves)"
        : "";
    return condition(
      "False",
      reason,
      wrong.map(({ record, seen }) => `${seen.finding}; ${instruction(record)}`).join("; ") + ownershipProven,
    );
  }
  return condition(
    "True",
    "RecordsFound",
    routingSeen.flattened
      ? `${routingSeen.finding}; the records Cloudflare needs are in place`
      : `${routing.name} points to ${routing.value}; the records Cloudflare needs are in place`,
  );
}

/** A warning when an active hostname's DNS newly stops pointing at the target (not on every reconcile). */
export function dnsEvents(
  previous: readonly Condition[] | undefined,
  next: ReasonedCondition | undefined,
): PlannedEvent[] {
  if (next?.reason !== "CustomerDNSMovedAway") return [];
  if (findCondition(previous, ConditionType.DNSConfigured)?.reason === "CustomerDNSMovedAway") return [];
  return [warningEvent("CustomerDNSMovedAway", "WatchDNS", next.message)];
}

export interface DnsRefreshInput {
  status: CustomHostnameStatus;
  /** The records Cloudflare needs now (status.dnsRecords as this reconcile builds it). */
  records: readonly DnsRecord[];
  observation: DnsObservation;
  policy: DnsRefreshPolicy;
  /** Milliseconds to Cloudflare's next own check, from next-check.ts. */
  cloudflareCheckInMs: number;
  now: Date;
}

/**
 * Whether to ask Cloudflare to re-validate now: every record it needs resolves right, it did not at the last such
 * refresh (so DNS that stays right is refreshed once, not every interval), the last one is at least
 * `policy.intervalMs` ago, and Cloudflare's own next check is further away than `policy.thresholdMs`.
 */
export function dnsRefreshDue(input: DnsRefreshInput): boolean {
  const { status, policy, now } = input;
  if (dnsConfiguredCondition(input.records, input.observation, undefined)?.status !== "True") return false;
  const last = Date.parse(status.dnsRefreshTime ?? "");
  if (!Number.isNaN(last)) {
    if (now.getTime() - last < policy.intervalMs) return false;
    const configured = findCondition(status.conditions, ConditionType.DNSConfigured);
    const rightSince =
      configured?.status === "True" ? Date.parse(configured.lastTransitionTime) : now.getTime();
    if (rightSince <= last) return false;
  }
  return input.cloudflareCheckInMs > policy.thresholdMs;
}

function formatDelay(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

/**
 * The refresh decide.ts sends (the same edit as the cfsaas.dev/refresh annotation) when dnsRefreshDue says so for
 * `hostname` as Cloudflare holds it now: its event, or undefined when none is due or DNS is not watched.
 */
export function dnsRefreshFor(
  input: CustomHostnameInput,
  hostname: CloudflareHostname,
): PlannedEvent | undefined {
  const { dns, object, fallbackOrigin, now } = input;
  if (!dns || !fallbackOrigin) return undefined;
  if (hostname.status === "active" && hostname.ssl?.status === "active") return undefined;
  // The later of the status and this process's memory: the cached object may not show its last write yet.
  const dnsRefreshTime = [object.status?.dnsRefreshTime, dns.refreshedAt]
    .filter((time) => time !== undefined)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .at(-1);
  const status = { ...object.status, dnsRefreshTime };
  const records = withRoutingRecord(
    cloudflareFields(hostname).dnsRecords,
    requiredCname(object.spec, fallbackOrigin),
  );
  const checkInMs = cloudflareCheckInMs(hostname, dnsRefreshTime, now, input.scheduleScale);
  const due = dnsRefreshDue({
    status,
    records,
    observation: dns.observation,
    policy: dns.refresh,
    cloudflareCheckInMs: checkInMs,
    now,
  });
  if (!due) return undefined;
  return normalEvent(
    "RefreshedOnDNSChange",
    "Refresh",
    `asked Cloudflare to re-validate ${object.spec.hostname}: its DNS now has the records Cloudflare needs, and Cloudflare's own next check was about ${formatDelay(checkInMs)} away`,
  );
}

/**
 * The status with the customer's DNS folded in: observed records, DNSConfigured, and the moved-away event. Without
 * the DNS watch both are removed, so turning it off leaves no stale verdict behind.
 */
export function withCustomerDns(
  input: CustomHostnameInput,
  status: CustomHostnameStatus,
  generation: number,
): { status: CustomHostnameStatus; events: PlannedEvent[] } {
  const previous = input.object.status ?? {};
  if (!input.dns) {
    const conditions = status.conditions?.filter(
      (condition) => condition.type !== ConditionType.DNSConfigured,
    );
    const dnsRecords = status.dnsRecords && withObservedRecords(status.dnsRecords, undefined, new Map());
    return { status: { ...status, conditions, ...(dnsRecords && { dnsRecords }) }, events: [] };
  }
  if (!status.dnsRecords) return { status, events: [] };
  const { observation } = input.dns;
  const dnsRecords = withObservedRecords(status.dnsRecords, previous.dnsRecords, observation);
  const verified = findCondition(status.conditions, ConditionType.OwnershipVerified);
  const activeSince = verified?.status === "True" ? new Date(verified.lastTransitionTime) : undefined;
  const condition = dnsConfiguredCondition(dnsRecords, observation, activeSince);
  const conditions = condition
    ? applyConditions(status.conditions, [condition], generation, input.now)
    : status.conditions;
  return { status: { ...status, dnsRecords, conditions }, events: dnsEvents(previous.conditions, condition) };
}
