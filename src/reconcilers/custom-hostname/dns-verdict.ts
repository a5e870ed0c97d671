/**
 * What the customer's DNS answered for one record the status asks for, judged the way Cloudflare judges it
 * (docs/reference.md#watching-the-customers-dns): the routing record is right when the hostname's CNAME chain
 * reaches the target, or, where a CNAME is impossible (an apex), when its A/AAAA answers are the target's own
 * addresses (CNAME flattening); a TXT record is right when one of the name's TXT strings is the value asked for.
 * Pure: the lookups happen in dns-lookups.ts, and these verdicts feed the status and the DNSConfigured condition.
 */
import type { DnsFailure } from "../../dns/resolver.ts";

/** What the lookups found for the routing record (the hostname, asked for A, then AAAA and the target's addresses). */
export type RoutingAnswer =
  /** The hostname's CNAME chain, the names it points to in order. */
  | { kind: "cname"; chain: string[] }
  /** A CNAME chain that comes back to a name already in it, or is longer than resolvers follow. */
  | { kind: "loop"; chain: string[] }
  /** No CNAME, but addresses: compared with the target's own. */
  | { kind: "addresses"; addresses: string[]; targetAddresses: string[] }
  | { kind: "none"; nxdomain: boolean }
  | { kind: "failed"; failure: DnsFailure; message: string };

export type TxtAnswer =
  | { kind: "txt"; values: string[] }
  | { kind: "none"; nxdomain: boolean }
  | { kind: "failed"; failure: DnsFailure; message: string };

export type RecordVerdict = "match" | "missing" | "mismatch" | "loop" | "failed";

export interface ObservedRecord {
  /** What the record resolves to now, as status.dnsRecords[].observed shows it (equal to `value` when right). */
  observed: string;
  verdict: RecordVerdict;
  /** What DNS holds, as a clause of the condition's message. */
  finding: string;
  /** The routing record is right through CNAME flattening (A/AAAA equal to the target's). */
  flattened?: boolean;
}

/** Resolvers stop following a CNAME chain after a few hops; so does the operator. */
export const MAX_CNAME_CHAIN = 8;

/** Names in a record are compared as DNS compares them: case-insensitive, without the final dot. */
export function dnsName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

/** The CNAME chain from `name` through `records`; a loop or a chain past MAX_CNAME_CHAIN is said as such. */
export function cnameChain(
  name: string,
  records: ReadonlyArray<{ name: string; type: string; value: string }>,
): { chain: string[]; loop: boolean } {
  const chain: string[] = [];
  const seen = new Set([dnsName(name)]);
  let current = dnsName(name);
  for (;;) {
    const cname = records.find((record) => record.type === "CNAME" && dnsName(record.name) === current);
    if (!cname) return { chain, loop: false };
    current = dnsName(cname.value);
    chain.push(current);
    if (seen.has(current) || chain.length > MAX_CNAME_CHAIN) return { chain, loop: true };
    seen.add(current);
  }
}

function addressList(addresses: readonly string[]): string {
  return [...addresses]
    .sort()
    .map((address) => `${address.includes(":") ? "AAAA" : "A"} ${address}`)
    .join(", ");
}

export function judgeRouting(hostname: string, target: string, answer: RoutingAnswer): ObservedRecord {
  const wanted = dnsName(target);
  switch (answer.kind) {
    case "cname": {
      const observed = answer.chain.join(" → ");
      const finding = `${hostname} has CNAME ${observed}`;
      return { observed, verdict: answer.chain.includes(wanted) ? "match" : "mismatch", finding };
    }
    case "loop": {
      const chain = [hostname, ...answer.chain].join(" → ");
      return {
        observed: `(CNAME loop: ${chain})`,
        verdict: "loop",
        finding: `${hostname} has a CNAME chain that loops or never ends: ${chain}`,
      };
    }
    case "addresses": {
      const observed = addressList(answer.addresses);
      const theirs = new Set(answer.targetAddresses);
      const flattened =
        answer.addresses.length > 0 && answer.addresses.every((address) => theirs.has(address));
      return flattened
        ? {
            observed,
            verdict: "match",
            flattened: true,
            finding: `${hostname} has no CNAME but the addresses of ${target} (CNAME flattening): ${observed}`,
          }
        : {
            observed,
            verdict: "mismatch",
            finding: `${hostname} has ${observed}, not the addresses of ${target} (${addressList(answer.targetAddresses) || "none"})`,
          };
    }
    case "none":
      return {
        observed: answer.nxdomain ? "(no record: NXDOMAIN)" : "(no CNAME, A or AAAA record)",
        verdict: "missing",
        finding: answer.nxdomain
          ? `${hostname} does not exist in DNS (NXDOMAIN)`
          : `${hostname} has no CNAME, A or AAAA record`,
      };
    case "failed":
      return failed(hostname, answer);
  }
}

export function judgeTxt(name: string, value: string, answer: TxtAnswer): ObservedRecord {
  switch (answer.kind) {
    case "txt":
      return answer.values.includes(value)
        ? { observed: value, verdict: "match", finding: `${name} has the TXT record` }
        : {
            observed: answer.values.join(", "),
            verdict: "mismatch",
            finding: `${name} has TXT ${answer.values.map((found) => `"${found}"`).join(", ")}`,
          };
    case "none":
      return {
        observed: answer.nxdomain ? "(no record: NXDOMAIN)" : "(no TXT record)",
        verdict: "missing",
        finding: `${name} has no TXT record`,
      };
    case "failed":
      return failed(name, answer);
  }
}

function failed(name: string, answer: { failure: DnsFailure; message: string }): ObservedRecord {
  return {
    observed: `(lookup failed: ${answer.failure})`,
    verdict: "failed",
    finding: `looking up ${name} failed (${answer.failure}: ${answer.message})`,
  };
}
