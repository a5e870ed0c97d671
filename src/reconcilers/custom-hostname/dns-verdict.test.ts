import { describe, expect, it } from "vitest";
import {
  cnameChain,
  judgeRouting,
  judgeTxt,
  MAX_CNAME_CHAIN,
  type RoutingAnswer,
  type TxtAnswer,
} from "./dns-verdict.ts";

const host = "app.customer.com";
const target = "john.customers.saasprovider.com";

describe("judgeRouting: is the customer's hostname routed to the target?", () => {
  const rows: Array<{
    why: string;
    answer: RoutingAnswer;
    verdict: string;
    observed: string;
    finding: RegExp;
  }> = [
    {
      why: "a CNAME to the target",
      answer: { kind: "cname", chain: [target] },
      verdict: "match",
      observed: target,
      finding: /app\.customer\.com has CNAME john\.customers\.saasprovider\.com/,
    },
    {
      why: "a CNAME chain that reaches the target through the customer's own CDN name",
      answer: { kind: "cname", chain: ["edge.customer-cdn.net", target] },
      verdict: "match",
      observed: `edge.customer-cdn.net → ${target}`,
      finding: /has CNAME edge\.customer-cdn\.net → john/,
    },
    {
      why: "a CNAME to another provider",
      answer: { kind: "cname", chain: ["old.cdn.example.net"] },
      verdict: "mismatch",
      observed: "old.cdn.example.net",
      finding: /app\.customer\.com has CNAME old\.cdn\.example\.net/,
    },
    {
      why: "an apex with the target's own addresses (CNAME flattening)",
      answer: {
        kind: "addresses",
        addresses: ["192.0.2.10", "2001:db8::10"],
        targetAddresses: ["2001:db8::10", "192.0.2.10", "192.0.2.11"],
      },
      verdict: "match",
      observed: "A 192.0.2.10, AAAA 2001:db8::10",
      finding: /no CNAME but the addresses of john\.customers\.saasprovider\.com \(CNAME flattening\)/,
    },
    {
      why: "an apex with addresses of its own",
      answer: { kind: "addresses", addresses: ["198.51.100.7"], targetAddresses: ["192.0.2.10"] },
      verdict: "mismatch",
      observed: "A 198.51.100.7",
      finding:
        /has A 198\.51\.100\.7, not the addresses of john\.customers\.saasprovider\.com \(A 192\.0\.2\.10\)/,
    },
    {
      why: "a name that does not exist",
      answer: { kind: "none", nxdomain: true },
      verdict: "missing",
      observed: "(no record: NXDOMAIN)",
      finding: /does not exist in DNS \(NXDOMAIN\)/,
    },
    {
      why: "a name with other records only",
      answer: { kind: "none", nxdomain: false },
      verdict: "missing",
      observed: "(no CNAME, A or AAAA record)",
      finding: /has no CNAME, A or AAAA record/,
    },
    {
      why: "a CNAME loop",
      answer: { kind: "loop", chain: ["b.customer.com", host] },
      verdict: "loop",
      observed: `(CNAME loop: ${host} → b.customer.com → ${host})`,
      finding: /loops or never ends/,
    },
    {
      why: "a lookup that timed out",
      answer: { kind: "failed", failure: "timeout", message: "no answer from 10.0.0.10:53 within 5000 ms" },
      verdict: "failed",
      observed: "(lookup failed: timeout)",
      finding: /looking up app\.customer\.com failed \(timeout: no answer/,
    },
  ];

  it.each(rows)("$why → $verdict", ({ answer, verdict, observed, finding }) => {
    const judged = judgeRouting(host, target, answer);
    expect(judged).toMatchObject({ verdict, observed });
    expect(judged.finding).toMatch(finding);
  });

  it("compares names as DNS does: case and the final dot do not matter", () => {
    expect(
      judgeRouting(host, "John.Customers.SaaSProvider.com.", { kind: "cname", chain: [target] }).verdict,
    ).toBe("match");
  });
});

describe("judgeTxt: does the name hold the TXT value asked for?", () => {
  const rows: Array<{ why: string; answer: TxtAnswer; verdict: string; observed: string }> = [
    {
      why: "the value among others",
      answer: { kind: "txt", values: ["v=spf1 -all", "token-1"] },
      verdict: "match",
      observed: "token-1",
    },
    {
      why: "another value only",
      answer: { kind: "txt", values: ["token-0"] },
      verdict: "mismatch",
      observed: "token-0",
    },
    {
      why: "no TXT at the name",
      answer: { kind: "none", nxdomain: false },
      verdict: "missing",
      observed: "(no TXT record)",
    },
    {
      why: "a SERVFAIL",
      answer: { kind: "failed", failure: "servfail", message: "SERVFAIL" },
      verdict: "failed",
      observed: "(lookup failed: servfail)",
    },
  ];
  it.each(rows)("$why → $verdict", ({ answer, verdict, observed }) => {
    expect(judgeTxt("_acme-challenge.app.customer.com", "token-1", answer)).toMatchObject({
      verdict,
      observed,
    });
  });
});

describe("cnameChain", () => {
  const cname = (name: string, value: string) => ({ name, type: "CNAME", value });

  it("follows the chain in answer order or not, and stops where it ends", () => {
    const records = [
      cname("b.net", "c.net"),
      cname("A.com.", "b.net"),
      { name: "c.net", type: "A", value: "192.0.2.1" },
    ];
    expect(cnameChain("a.com", records)).toEqual({ chain: ["b.net", "c.net"], loop: false });
  });

  it("says loop when the chain comes back, or grows past the limit", () => {
    expect(cnameChain("a.com", [cname("a.com", "b.com"), cname("b.com", "a.com")])).toEqual({
      chain: ["b.com", "a.com"],
      loop: true,
    });
    const long = Array.from({ length: MAX_CNAME_CHAIN + 2 }, (_, i) => cname(`n${i}.com`, `n${i + 1}.com`));
    expect(cnameChain("n0.com", long).loop).toBe(true);
  });
});
