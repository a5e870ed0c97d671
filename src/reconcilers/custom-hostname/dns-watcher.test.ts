import { describe, expect, it } from "vitest";
import type { DnsRecord } from "../../api/custom-hostname.ts";
import type { DnsAnswer, DnsRecordType } from "../../dns/resolver.ts";
import { recordKey } from "./dns-status.ts";
import { CustomerDnsWatcher } from "./dns-watcher.ts";

const routing: DnsRecord = {
  type: "CNAME",
  name: "app.customer.com",
  value: "customers.saasprovider.com",
  purpose: "Routing",
};
const acme: DnsRecord = {
  type: "TXT",
  name: "_acme-challenge.app.customer.com",
  value: "acme-token",
  purpose: "CertificateValidation",
};
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A resolver whose answers the test sets, counting the questions it gets. */
function world() {
  const answers = new Map<string, DnsAnswer>();
  const questions: string[] = [];
  let now = 0;
  const changed: string[] = [];
  const watcher = new CustomerDnsWatcher({
    resolver: {
      lookup: async (name: string, type: DnsRecordType) => {
        questions.push(`${type} ${name}`);
        return answers.get(`${type} ${name}`) ?? { kind: "nxdomain", records: [] };
      },
    },
    pendingIntervalMs: MINUTE,
    readyIntervalMs: 3 * HOUR,
    onChanged: (key) => changed.push(key),
    now: () => now,
    random: () => 0.5,
  });
  const cname = (value: string): DnsAnswer => ({
    kind: "answer",
    records: [{ name: routing.name, type: "CNAME", value, ttl: 60 }],
  });
  /** Steps the clock to `until` a second at a time, looking up what is due, as the timer does. */
  const runUntil = async (until: number) => {
    while (now < until) {
      now += 1000;
      await watcher.lookUpDue();
    }
  };
  return { answers, questions, changed, watcher, cname, runUntil, at: () => now };
}

describe("CustomerDnsWatcher", () => {
  it("looks a new object up within its first spread and wakes its reconcile with the first verdicts", async () => {
    const w = world();
    w.watcher.track("ns/app", [routing, acme], false);
    await w.watcher.lookUpDue();
    expect(w.questions).toEqual([]);
    await w.runUntil(30_000);
    expect(w.changed).toEqual(["ns/app"]);
    expect(w.watcher.observation("ns/app").get(recordKey(routing))).toMatchObject({
      verdict: "missing",
      observed: "(no record: NXDOMAIN)",
    });
    expect(w.watcher.observation("ns/app").get(recordKey(acme))).toMatchObject({ verdict: "missing" });
  });

  it("wakes the reconcile only when a verdict changes, keeping `since` while it does not", async () => {
    const w = world();
    w.answers.set(`A ${routing.name}`, w.cname("old.cdn.example.net"));
    w.watcher.track("ns/app", [routing], false);
    await w.runUntil(10 * MINUTE);
    expect(w.changed).toEqual(["ns/app"]);
    const since = w.watcher.observation("ns/app").get(recordKey(routing))?.since;
    expect(w.questions.length).toBeGreaterThanOrEqual(9);

    w.answers.set(`A ${routing.name}`, w.cname("customers.saasprovider.com"));
    await w.runUntil(12 * MINUTE);
    expect(w.changed).toEqual(["ns/app", "ns/app"]);
    const now = w.watcher.observation("ns/app").get(recordKey(routing));
    expect(now).toMatchObject({ verdict: "match" });
    expect(now?.since.getTime()).toBeGreaterThan(since?.getTime() ?? 0);
  });

  it("looks a Ready hostname up every few hours, and one that is not Ready every minute", async () => {
    const pending = world();
    pending.answers.set(`A ${routing.name}`, pending.cname(routing.value));
    pending.watcher.track("ns/app", [routing], false);
    await pending.runUntil(HOUR);
    expect(pending.questions.length).toBeGreaterThanOrEqual(55);
    expect(pending.questions.length).toBeLessThanOrEqual(65);

    const ready = world();
    ready.answers.set(`A ${routing.name}`, ready.cname(routing.value));
    ready.watcher.track("ns/app", [routing], true);
    await ready.runUntil(HOUR);
    expect(ready.questions).toHaveLength(1);
  });

  it("looks a new record up at once, and stops looking once the object is forgotten", async () => {
    const w = world();
    w.watcher.track("ns/app", [routing], true);
    await w.runUntil(10 * MINUTE);
    const before = w.questions.length;
    w.watcher.track("ns/app", [routing, acme], true);
    await w.runUntil(10 * MINUTE + 1000);
    expect(w.questions.slice(before)).toContain(`TXT ${acme.name}`);
    w.watcher.forget("ns/app");
    const after = w.questions.length;
    await w.runUntil(HOUR);
    expect(w.questions).toHaveLength(after);
    expect(w.watcher.observation("ns/app").size).toBe(0);
  });
});

describe("CustomerDnsWatcher, a hostname turning Ready", () => {
  it("looks its new set of records up at once, not after the Ready interval", async () => {
    const w = world();
    w.answers.set(`A ${routing.name}`, w.cname(routing.value));
    w.watcher.track("ns/app", [routing, acme], false);
    await w.runUntil(2 * MINUTE);
    const before = w.questions.length;
    // Active: the certificate's TXT record is no longer asked for, and the hostname is Ready, in one reconcile.
    w.watcher.track("ns/app", [routing], true);
    await w.runUntil(2 * MINUTE + 1000);
    expect(w.questions.length).toBeGreaterThan(before);
    expect(w.questions.slice(before)).not.toContain(`TXT ${acme.name}`);
  });
});

describe("CustomerDnsWatcher.stop", () => {
  it("does not wait for questions on the wire, and drops their answers", async () => {
    let answer: (value: DnsAnswer) => void = () => undefined;
    const changed: string[] = [];
    const watcher = new CustomerDnsWatcher({
      resolver: { lookup: () => new Promise<DnsAnswer>((resolve) => (answer = resolve)) },
      pendingIntervalMs: MINUTE,
      readyIntervalMs: HOUR,
      onChanged: (key) => changed.push(key),
      now: () => MINUTE,
      random: () => 0,
    });
    watcher.track("ns/app", [routing], false);
    const pass = watcher.lookUpDue();
    watcher.start();
    watcher.stop();
    answer({ kind: "nxdomain", records: [] });
    await pass;
    expect(changed).toEqual([]);
  });
});
