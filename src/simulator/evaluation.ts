import type { DnsTable } from "./dns-table.ts";
import {
  type CertificateState,
  certificateState,
  type OwnershipState,
  ownershipState,
} from "./state-machine.ts";
import type { HostnameRecord, Zone } from "./store.ts";
import type { SimulatorWorld } from "./world.ts";

export type HostnameEvaluation = { ownership: OwnershipState; certificate: CertificateState };

/** `*.customer.com` is proven through records on `customer.com`. */
export function bareHostname(hostname: string): string {
  return hostname.startsWith("*.") ? hostname.slice(2) : hostname;
}

function inZone(name: string, zone: Zone): boolean {
  return name === zone.name || name.endsWith(`.${zone.name}`);
}

/**
 * The customer's CNAME to the SaaS zone (any name inside it, e.g. `customers.saasprovider.com`), or, at an apex
 * where a CNAME is impossible, an A or AAAA record equal to one of a name inside the zone: the customer's DNS
 * provider flattening the CNAME, so traffic reaches the zone all the same.
 */
function cnameSince(record: HostnameRecord, zone: Zone, dns: DnsTable): number | undefined {
  const cname = dns.get("CNAME", record.hostname);
  if (cname) return inZone(cname.value, zone) ? cname.since : undefined;
  const flattened = (["A", "AAAA"] as const).flatMap((type) => {
    const own = dns.get(type, record.hostname);
    const target =
      own &&
      dns
        .list()
        .find((other) => other.type === type && other.value === own.value && inZone(other.name, zone));
    return own && target ? [Math.max(own.since, target.since)] : [];
  });
  return earliest(...flattened);
}

function txtSince(dns: DnsTable, name: string, value: string): number | undefined {
  const txt = dns.get("TXT", name);
  return txt?.value === value ? txt.since : undefined;
}

function earliest(...times: Array<number | undefined>): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : Math.min(...known);
}

export function ownershipEvidenceSince(
  record: HostnameRecord,
  zone: Zone,
  dns: DnsTable,
): number | undefined {
  const txtName = `_cf-custom-hostname.${bareHostname(record.hostname)}`;
  return earliest(cnameSince(record, zone, dns), txtSince(dns, txtName, record.ownershipToken));
}

/** HTTP DCV needs traffic to reach Cloudflare (the CNAME); TXT DCV needs the ACME record; email needs a person. */
export function certificateEvidenceSince(
  record: HostnameRecord,
  zone: Zone,
  dns: DnsTable,
): number | undefined {
  const order = record.certificate;
  switch (order.request.method) {
    case "http":
      return cnameSince(record, zone, dns);
    case "txt":
      return txtSince(dns, `_acme-challenge.${bareHostname(record.hostname)}`, order.txtToken);
    case "email":
      return undefined;
  }
}

/**
 * Computes a hostname's state now and latches what passed, so that a DNS record removed after a check
 * succeeded does not undo it. Call `latchAll` before any change to DNS or fallback origins for the same reason.
 */
export function evaluateHostname(world: SimulatorWorld, record: HostnameRecord): HostnameEvaluation {
  const zone = world.store.zones.get(record.zoneId);
  if (!zone) throw new Error(`hostname ${record.id} belongs to unknown zone ${record.zoneId}`);
  const now = world.clock.now();
  const fallbackOrigin = world.store.fallbackOrigin(record.zoneId);
  const ownership = ownershipState({
    validationStartedAt: record.validationStartedAt,
    verifiedAt: record.verifiedAt,
    evidenceSince: ownershipEvidenceSince(record, zone, world.dns),
    fallbackOrigin,
    now,
  });
  const order = record.certificate;
  const certificate = certificateState({
    orderedAt: order.orderedAt,
    validationStartedAt: order.validationStartedAt,
    validatedAt: order.validatedAt,
    evidenceSince: certificateEvidenceSince(record, zone, world.dns),
    hostnameGaveUp: ownership.status === "moved" || ownership.status === "deleted",
    now,
  });
  record.verifiedAt = ownership.verifiedAt;
  order.validatedAt = certificate.validatedAt;
  return { ownership, certificate };
}

export function latchAll(world: SimulatorWorld): void {
  for (const record of world.store.allHostnames()) evaluateHostname(world, record);
}
