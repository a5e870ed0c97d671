import { normalizeHostname } from "./hostname-rules.ts";

export const DNS_RECORD_TYPES = ["CNAME", "TXT", "A", "AAAA"] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** The TTL the simulated DNS server answers with when a record sets none: short, like a record being set up. */
export const DEFAULT_DNS_TTL_SECONDS = 60;

/**
 * What the customer's DNS holds, and since when (simulated ms): the evidence validation checks look at, and what
 * the simulator's DNS server answers (src/simulator/dns-server.ts).
 */
export type DnsRecord = { type: DnsRecordType; name: string; value: string; ttl: number; since: number };

/** How the DNS server misbehaves for one name (`POST /__sim/dns-faults`). */
export const DNS_FAULT_KINDS = ["timeout", "servfail", "garbage"] as const;
export type DnsFaultKind = (typeof DNS_FAULT_KINDS)[number];

function key(type: DnsRecordType, name: string): string {
  return `${type} ${name}`;
}

export function normalizeDnsName(name: string): string {
  return normalizeHostname(name).replace(/\.$/, "");
}

export class DnsTable {
  readonly #records = new Map<string, DnsRecord>();
  readonly #faults = new Map<string, DnsFaultKind>();

  /** Upserts by (type, name); an empty value removes the record. A changed value restarts `since`. */
  upsert(record: { type: DnsRecordType; name: string; value: string; ttl?: number }, now: number): void {
    const name = normalizeDnsName(record.name);
    const value = record.type === "CNAME" ? normalizeDnsName(record.value) : record.value;
    const ttl = record.ttl ?? DEFAULT_DNS_TTL_SECONDS;
    const k = key(record.type, name);
    if (value === "") {
      this.#records.delete(k);
      return;
    }
    const existing = this.#records.get(k);
    if (existing?.value === value) {
      existing.ttl = ttl;
      return;
    }
    this.#records.set(k, { type: record.type, name, value, ttl, since: now });
  }

  get(type: DnsRecordType, name: string): DnsRecord | undefined {
    return this.#records.get(key(type, normalizeDnsName(name)));
  }

  /** Whether the name holds any record at all (else the DNS server answers NXDOMAIN). */
  exists(name: string): boolean {
    const normalized = normalizeDnsName(name);
    return DNS_RECORD_TYPES.some((type) => this.#records.has(key(type, normalized)));
  }

  list(): DnsRecord[] {
    return [...this.#records.values()];
  }

  setFaults(rules: ReadonlyArray<{ name: string; kind: DnsFaultKind }>): void {
    this.#faults.clear();
    for (const rule of rules) this.#faults.set(normalizeDnsName(rule.name), rule.kind);
  }

  fault(name: string): DnsFaultKind | undefined {
    return this.#faults.get(normalizeDnsName(name));
  }

  faults(): Array<{ name: string; kind: DnsFaultKind }> {
    return [...this.#faults].map(([name, kind]) => ({ name, kind }));
  }

  clear(): void {
    this.#records.clear();
    this.#faults.clear();
  }
}
