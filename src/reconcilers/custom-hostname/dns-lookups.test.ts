import { describe, expect, it } from "vitest";
import type { DnsAnswer, DnsRecordType } from "../../dns/resolver.ts";
import { lookUpRouting, lookUpTxt } from "./dns-lookups.ts";

const target = "customers.saasprovider.com";

/** A resolver answering from a table ("TYPE name" → answer, NXDOMAIN otherwise) and counting questions. */
function resolver(table: Record<string, DnsAnswer>) {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (name: string, type: DnsRecordType): Promise<DnsAnswer> => {
      asked.push(`${type} ${name}`);
      return table[`${type} ${name}`] ?? { kind: "nxdomain", records: [] };
    },
  };
}

const record = (name: string, type: DnsRecordType, value: string) => ({ name, type, value, ttl: 300 });

describe("lookUpRouting", () => {
  it("reads the CNAME chain from one A question", async () => {
    const dns = resolver({
      "A app.customer.com": {
        kind: "answer",
        records: [record("app.customer.com", "CNAME", target), record(target, "A", "192.0.2.10")],
      },
    });
    expect(await lookUpRouting(dns, "app.customer.com", target)).toEqual({ kind: "cname", chain: [target] });
    expect(dns.asked).toEqual(["A app.customer.com"]);
  });

  it("asks nothing more about a name that does not exist", async () => {
    const dns = resolver({});
    expect(await lookUpRouting(dns, "app.customer.com", target)).toEqual({ kind: "none", nxdomain: true });
    expect(dns.asked).toEqual(["A app.customer.com"]);
  });

  it("compares an apex's own addresses with the target's", async () => {
    const dns = resolver({
      "A customer.com": { kind: "answer", records: [record("customer.com", "A", "192.0.2.10")] },
      "AAAA customer.com": { kind: "answer", records: [] },
      [`A ${target}`]: { kind: "answer", records: [record(target, "A", "192.0.2.10")] },
      [`AAAA ${target}`]: { kind: "answer", records: [record(target, "AAAA", "2001:db8::10")] },
    });
    expect(await lookUpRouting(dns, "customer.com", target)).toEqual({
      kind: "addresses",
      addresses: ["192.0.2.10"],
      targetAddresses: ["192.0.2.10", "2001:db8::10"],
    });
  });

  it("passes a failure on, whichever question failed", async () => {
    const failed: DnsAnswer = { kind: "failed", failure: "servfail", message: "SERVFAIL" };
    const dns = resolver({
      "A customer.com": { kind: "answer", records: [record("customer.com", "A", "192.0.2.10")] },
      "AAAA customer.com": { kind: "answer", records: [] },
      [`A ${target}`]: failed,
    });
    expect(await lookUpRouting(dns, "customer.com", target)).toEqual(failed);
  });
});

describe("lookUpTxt", () => {
  it("reads TXT values at the end of a CNAME chain (DCV delegation), and says when there are none", async () => {
    const name = "_acme-challenge.app.customer.com";
    const dns = resolver({
      [`TXT ${name}`]: {
        kind: "answer",
        records: [
          record(name, "CNAME", "app.customer.com.dcv.example.net"),
          record("app.customer.com.dcv.example.net", "TXT", "token"),
        ],
      },
      "TXT empty.customer.com": { kind: "answer", records: [] },
    });
    expect(await lookUpTxt(dns, name)).toEqual({ kind: "txt", values: ["token"] });
    expect(await lookUpTxt(dns, "empty.customer.com")).toEqual({ kind: "none", nxdomain: false });
  });
});
