import { normalizeHostname } from "./hostname-rules.ts";

export type DnsRecordType = "CNAME" | "TXT";

/** What the customer's DNS holds, and since when (simulated ms): the evidence validation checks look at. */
export type DnsRecord = { type: DnsRecordType; name: string; value: string; since: number };

function key(type: DnsRecordType, name: string): string {
  return `${type} ${name}`;
}

function normalizeName(name: string): string {
  return normalizeHostname(name).replace(/\.$/, "");
}

export class DnsTable {
  readonly #records = new Map<string, DnsRecord>();

  /** Upserts by (type, name); an empty value removes the record. A changed value restarts `since`. */
  upsert(record: { type: DnsRecordType; name: string; value: string }, now: number): void {
    const name = normalizeName(record.name);
    const value = record.type === "CNAME" ? normalizeName(record.value) : record.value;
    const k = key(record.type, name);
    if (value === "") {
      this.#records.delete(k);
      return;
    }
    if (this.#records.get(k)?.value === value) return;
    this.#records.set(k, { type: record.type, name, value, since: now });
  }

  get(type: DnsRecordType, name: string): DnsRecord | undefined {
    return this.#records.get(key(type, normalizeName(name)));
  }

  list(): DnsRecord[] {
    return [...this.#records.values()];
  }

  clear(): void {
    this.#records.clear();
  }
}
