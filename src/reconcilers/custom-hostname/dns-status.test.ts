import { describe, expect, it } from "vitest";
import type { Condition } from "../../api/conditions.ts";
import type { DnsRecord } from "../../api/custom-hostname.ts";
import {
  type DnsObservation,
  dnsConfiguredCondition,
  dnsEvents,
  dnsRefreshDue,
  type RecordObservation,
  recordKey,
  withObservedRecords,
} from "./dns-status.ts";
import type { RecordVerdict } from "./dns-verdict.ts";

const now = new Date("2026-12-01T12:00:00Z");
const minutes = (n: number) => n * 60_000;
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString().replace(".000Z", "Z");

const routing: DnsRecord = {
  type: "CNAME",
  name: "app.customer.com",
  value: "customers.saasprovider.com",
  purpose: "Routing",
};
const ownership: DnsRecord = {
  type: "TXT",
  name: "_cf-custom-hostname.app.customer.com",
  value: "owner-token",
  purpose: "OwnershipVerification",
};
const acme: DnsRecord = {
  type: "TXT",
  name: "_acme-challenge.app.customer.com",
  value: "acme-token",
  purpose: "CertificateValidation",
};

function seen(verdict: RecordVerdict, observed: string, finding = `finding ${observed}`): RecordObservation {
  return { verdict, observed, finding, since: new Date(now.getTime() - minutes(3)) };
}

function observation(entries: Array<[DnsRecord, RecordObservation]>): DnsObservation {
  return new Map(entries.map(([record, verdict]) => [recordKey(record), verdict]));
}

const right = seen(
  "match",
  "customers.saasprovider.com",
  "app.customer.com has CNAME customers.saasprovider.com",
);

describe("dnsConfiguredCondition", () => {
  const rows: Array<{
    why: string;
    records: DnsRecord[];
    seen: Array<[DnsRecord, RecordObservation]>;
    /** Minutes since Cloudflare verified the hostname; verdicts are 3 minutes old. */
    activeFor?: number;
    status?: string;
    reason?: string;
    message?: RegExp;
  }> = [
    {
      why: "nothing until the routing record was looked up",
      records: [routing, acme],
      seen: [[acme, seen("match", "acme-token")]],
    },
    {
      why: "True when the CNAME and the certificate's TXT are right",
      records: [routing, ownership, acme],
      seen: [
        [routing, right],
        [ownership, seen("missing", "(no TXT record)")],
        [acme, seen("match", "acme-token")],
      ],
      status: "True",
      reason: "RecordsFound",
      message: /app\.customer\.com points to customers\.saasprovider\.com/,
    },
    {
      why: "True through CNAME flattening, said as such",
      records: [routing],
      seen: [
        [
          routing,
          { ...seen("match", "A 192.0.2.10", "app.customer.com has … (CNAME flattening)"), flattened: true },
        ],
      ],
      status: "True",
      reason: "RecordsFound",
      message: /CNAME flattening/,
    },
    {
      why: "CnameMissing names what to create",
      records: [routing],
      seen: [
        [
          routing,
          seen("missing", "(no record: NXDOMAIN)", "app.customer.com does not exist in DNS (NXDOMAIN)"),
        ],
      ],
      status: "False",
      reason: "CnameMissing",
      message: /NXDOMAIN\); create CNAME app\.customer\.com → customers\.saasprovider\.com$/,
    },
    {
      why: "CnameMismatch names the difference, and the ownership TXT already in place",
      records: [routing, ownership],
      seen: [
        [routing, seen("mismatch", "old.cdn.example.net", "app.customer.com has CNAME old.cdn.example.net")],
        [ownership, seen("match", "owner-token")],
      ],
      status: "False",
      reason: "CnameMismatch",
      message:
        /^app\.customer\.com has CNAME old\.cdn\.example\.net; create CNAME app\.customer\.com → customers\.saasprovider\.com \(the ownership TXT record is in place/,
    },
    {
      why: "CnameLoop",
      records: [routing],
      seen: [[routing, seen("loop", "(CNAME loop: …)")]],
      status: "False",
      reason: "CnameLoop",
    },
    {
      why: "TxtRecordMissing when only the certificate's TXT is wrong",
      records: [routing, acme],
      seen: [
        [routing, right],
        [acme, seen("mismatch", "stale-token", '_acme-challenge.app.customer.com has TXT "stale-token"')],
      ],
      status: "False",
      reason: "TxtRecordMissing",
      message: /create TXT _acme-challenge\.app\.customer\.com with "acme-token"/,
    },
    {
      why: "CustomerDNSMovedAway when an active hostname's CNAME points elsewhere",
      records: [routing],
      seen: [[routing, seen("mismatch", "shop.other.net", "app.customer.com has CNAME shop.other.net")]],
      activeFor: 10,
      status: "False",
      reason: "CustomerDNSMovedAway",
      message:
        /shop\.other\.net: the hostname is active in Cloudflare, but its traffic no longer reaches it and HTTP certificate renewals will fail/,
    },
    {
      why: "not moved away when the wrong answer is older than the verification (stale, or verified by TXT)",
      records: [routing],
      seen: [[routing, seen("missing", "(no record)", "app.customer.com has no CNAME, A or AAAA record")]],
      activeFor: 1,
      status: "False",
      reason: "CnameMissing",
    },
    {
      why: "Unknown, not moved away, when the lookup failed",
      records: [routing],
      seen: [
        [
          routing,
          seen("failed", "(lookup failed: timeout)", "looking up app.customer.com failed (timeout: …)"),
        ],
      ],
      activeFor: 10,
      status: "Unknown",
      reason: "DNSLookupFailed",
      message: /failed \(timeout/,
    },
  ];

  it.each(rows)("$why", ({ records, seen: verdicts, activeFor, status, reason, message }) => {
    const activeSince = activeFor === undefined ? undefined : new Date(now.getTime() - minutes(activeFor));
    const condition = dnsConfiguredCondition(records, observation(verdicts), activeSince);
    if (!status) {
      expect(condition).toBeUndefined();
      return;
    }
    expect(condition).toMatchObject({ type: "DNSConfigured", status, reason });
    if (message) expect(condition?.message).toMatch(message);
  });
});

describe("withObservedRecords", () => {
  it("adds what each record resolves to, and since when", () => {
    const records = withObservedRecords([routing, acme], undefined, observation([[routing, right]]));
    expect(records).toEqual([
      { ...routing, observed: "customers.saasprovider.com", observedAt: ago(minutes(3)) },
      acme,
    ]);
  });

  it("keeps observedAt from the status while the answer is the same, so nothing is rewritten", () => {
    const previous = [{ ...routing, observed: "customers.saasprovider.com", observedAt: ago(minutes(60)) }];
    const [record] = withObservedRecords([routing], previous, observation([[routing, right]]));
    expect(record?.observedAt).toBe(ago(minutes(60)));
  });

  it("keeps the answer in status for a record this process has not looked up yet (after a restart)", () => {
    const previous = [{ ...routing, observed: "customers.saasprovider.com", observedAt: ago(minutes(60)) }];
    expect(withObservedRecords([routing], previous, observation([]))).toEqual(previous);
  });

  it("takes a new observedAt when the answer changed", () => {
    const previous = [{ ...routing, observed: "old.cdn.example.net", observedAt: ago(minutes(60)) }];
    const [record] = withObservedRecords([routing], previous, observation([[routing, right]]));
    expect(record?.observedAt).toBe(ago(minutes(3)));
  });
});

describe("dnsEvents", () => {
  const movedAway = dnsConfiguredCondition(
    [routing],
    observation([[routing, seen("mismatch", "x.net")]]),
    new Date(now.getTime() - minutes(10)),
  );
  const previously = (reason: string): Condition[] => [
    { type: "DNSConfigured", status: "False", reason, message: "", lastTransitionTime: ago(minutes(5)) },
  ];

  it("warns when an active hostname's DNS moves away, once", () => {
    expect(dnsEvents(previously("RecordsFound"), movedAway)).toMatchObject([
      { type: "Warning", reason: "CustomerDNSMovedAway", action: "WatchDNS" },
    ]);
    expect(dnsEvents(previously("CustomerDNSMovedAway"), movedAway)).toEqual([]);
  });
});

describe("dnsRefreshDue: ask Cloudflare to re-validate now?", () => {
  const policy = { thresholdMs: minutes(5), intervalMs: minutes(60) };
  const rightNow = observation([[routing, right]]);
  const configuredSince = (ms: number): Condition[] => [
    {
      type: "DNSConfigured",
      status: "True",
      reason: "RecordsFound",
      message: "",
      lastTransitionTime: ago(ms),
    },
  ];
  const rows: Array<{
    why: string;
    dns?: DnsObservation;
    checkInMs: number;
    refreshedAgo?: number;
    configuredAgo?: number;
    due: boolean;
  }> = [
    { why: "DNS right, Cloudflare's next check hours away: yes", checkInMs: minutes(200), due: true },
    {
      why: "DNS right, Cloudflare checks within the threshold anyway: no",
      checkInMs: minutes(4),
      due: false,
    },
    {
      why: "DNS not right: no",
      dns: observation([[routing, seen("missing", "(no record)")]]),
      checkInMs: minutes(200),
      due: false,
    },
    { why: "DNS not looked up yet: no", dns: new Map(), checkInMs: minutes(200), due: false },
    {
      why: "refreshed on DNS within the interval: no",
      checkInMs: minutes(200),
      refreshedAgo: minutes(30),
      configuredAgo: minutes(1),
      due: false,
    },
    {
      why: "DNS has stayed right since the last refresh: no, one refresh per change",
      checkInMs: minutes(200),
      refreshedAgo: minutes(120),
      configuredAgo: minutes(180),
      due: false,
    },
    {
      why: "DNS became right again after the last refresh, past the interval: yes",
      checkInMs: minutes(200),
      refreshedAgo: minutes(120),
      configuredAgo: minutes(10),
      due: true,
    },
  ];

  it.each(rows)("$why", ({ dns, checkInMs, refreshedAgo, configuredAgo, due }) => {
    expect(
      dnsRefreshDue({
        status: {
          ...(refreshedAgo !== undefined && { dnsRefreshTime: ago(refreshedAgo) }),
          ...(configuredAgo !== undefined && { conditions: configuredSince(configuredAgo) }),
        },
        records: [routing],
        observation: dns ?? rightNow,
        policy,
        cloudflareCheckInMs: checkInMs,
        now,
      }),
    ).toBe(due);
  });
});
