/**
 * The DNS questions behind one verdict (dns-verdict.ts). The routing record costs one question (A at the hostname:
 * a recursive resolver answers with the whole CNAME chain, or NXDOMAIN), plus, only for a name that exists without
 * a CNAME, AAAA at the hostname and A/AAAA at the target, which the resolver's cache shares between every hostname
 * with that target. A TXT record costs one question.
 */
import type { DnsAnswer, DnsRecordType, DnsResolver } from "../../dns/resolver.ts";
import { cnameChain, dnsName, type RoutingAnswer, type TxtAnswer } from "./dns-verdict.ts";

export type DnsLookup = Pick<DnsResolver, "lookup">;

/** Records of `type` at the end of `name`'s CNAME chain in one answer. */
function valuesAt(
  answer: Exclude<DnsAnswer, { kind: "failed" }>,
  name: string,
  type: DnsRecordType,
): string[] {
  const { chain } = cnameChain(name, answer.records);
  const owner = chain.at(-1) ?? dnsName(name);
  return answer.records
    .filter((record) => record.type === type && dnsName(record.name) === owner)
    .map((record) => record.value);
}

async function addressesOf(
  resolver: DnsLookup,
  name: string,
): Promise<{ addresses: string[]; nxdomain: boolean } | Extract<DnsAnswer, { kind: "failed" }>> {
  const addresses: string[] = [];
  let nxdomain = false;
  for (const type of ["A", "AAAA"] as const) {
    const answer = await resolver.lookup(name, type);
    if (answer.kind === "failed") return answer;
    // NXDOMAIN says the name has no records of any type: no need to ask for AAAA.
    if (answer.kind === "nxdomain" && answer.records.length === 0) return { addresses, nxdomain: true };
    nxdomain ||= answer.kind === "nxdomain";
    addresses.push(...valuesAt(answer, name, type));
  }
  return { addresses, nxdomain };
}

export async function lookUpRouting(
  resolver: DnsLookup,
  hostname: string,
  target: string,
): Promise<RoutingAnswer> {
  const first = await resolver.lookup(hostname, "A");
  if (first.kind === "failed") return first;
  const { chain, loop } = cnameChain(hostname, first.records);
  if (loop) return { kind: "loop", chain };
  if (chain.length > 0) return { kind: "cname", chain };
  if (first.kind === "nxdomain") return { kind: "none", nxdomain: true };
  const own = await addressesOf(resolver, hostname);
  if ("kind" in own) return own;
  if (own.addresses.length === 0) return { kind: "none", nxdomain: own.nxdomain };
  const theirs = await addressesOf(resolver, target);
  if ("kind" in theirs) return theirs;
  return { kind: "addresses", addresses: own.addresses, targetAddresses: theirs.addresses };
}

export async function lookUpTxt(resolver: DnsLookup, name: string): Promise<TxtAnswer> {
  const answer = await resolver.lookup(name, "TXT");
  if (answer.kind === "failed") return answer;
  const values = valuesAt(answer, name, "TXT");
  if (values.length > 0) return { kind: "txt", values };
  return { kind: "none", nxdomain: answer.kind === "nxdomain" };
}
