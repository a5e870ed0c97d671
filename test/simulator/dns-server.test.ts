import { createSocket } from "node:dgram";
import { promises as dnsPromises } from "node:dns";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DnsResolver, parseDnsServers } from "../../src/dns/resolver.ts";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.ts";

/**
 * The simulator's DNS server and the operator's resolver against each other on loopback: every answer below went
 * through dns-packet on both sides, over UDP, and over TCP where the answer did not fit.
 */
describe("the simulated DNS server, asked by the operator's resolver", () => {
  let simulator: RunningSimulator;
  let queries: Array<{ type: string; result: string }>;
  let now: number;
  const resolver = (options: { timeoutMs?: number; negativeTtlSeconds?: number } = {}) =>
    new DnsResolver({
      servers: parseDnsServers(simulator.dnsServer ?? ""),
      timeoutMs: options.timeoutMs ?? 2000,
      concurrency: 4,
      negativeTtlSeconds: options.negativeTtlSeconds ?? 30,
      now: () => now,
      onQuery: (type, result) => queries.push({ type, result }),
    });
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${simulator.adminUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0, dnsPort: 0 });
  });
  afterAll(async () => {
    await simulator.close();
  });

  const reset = async () => {
    await fetch(`${simulator.adminUrl}/reset`, { method: "POST" });
    queries = [];
    now = 1_000_000;
  };

  it("follows a CNAME chain for an address question and keeps the answer for its shortest TTL", async () => {
    await reset();
    await admin("/dns", {
      records: [
        { type: "CNAME", name: "app.customer.com", value: "edge.cdn.net", ttl: 300 },
        { type: "CNAME", name: "edge.cdn.net", value: "customers.saasprovider.com", ttl: 30 },
        { type: "A", name: "customers.saasprovider.com", value: "192.0.2.10", ttl: 600 },
      ],
    });
    const dns = resolver();
    const answer = await dns.lookup("App.Customer.com.", "A");
    expect(answer).toEqual({
      kind: "answer",
      records: [
        { name: "app.customer.com", type: "CNAME", value: "edge.cdn.net", ttl: 300 },
        { name: "edge.cdn.net", type: "CNAME", value: "customers.saasprovider.com", ttl: 30 },
        { name: "customers.saasprovider.com", type: "A", value: "192.0.2.10", ttl: 600 },
      ],
    });
    now += 29_000;
    await dns.lookup("app.customer.com", "A");
    expect(queries).toHaveLength(1);
    now += 2000;
    await dns.lookup("app.customer.com", "A");
    expect(queries).toEqual([
      { type: "A", result: "answer" },
      { type: "A", result: "answer" },
    ]);
  });

  it("answers NXDOMAIN for an unknown name and NODATA for a known one, both kept no longer than their SOA says", async () => {
    await reset();
    await admin("/dns", { records: [{ type: "TXT", name: "only-txt.customer.com", value: "hello" }] });
    const dns = resolver();
    expect(await dns.lookup("missing.customer.com", "CNAME")).toEqual({ kind: "nxdomain", records: [] });
    expect(await dns.lookup("only-txt.customer.com", "A")).toEqual({ kind: "answer", records: [] });
    // The simulator's SOA allows 5 s, under the resolver's 30 s cap.
    now += 4000;
    await dns.lookup("missing.customer.com", "CNAME");
    expect(queries).toHaveLength(2);
    now += 2000;
    await dns.lookup("missing.customer.com", "CNAME");
    expect(queries).toHaveLength(3);
  });

  it("asks again over TCP when the UDP answer is truncated", async () => {
    await reset();
    const long = "v".repeat(2000);
    await admin("/dns", {
      records: [{ type: "TXT", name: "_acme-challenge.big.customer.com", value: long }],
    });
    const answer = await resolver().lookup("_acme-challenge.big.customer.com", "TXT");
    expect(answer).toEqual({
      kind: "answer",
      records: [{ name: "_acme-challenge.big.customer.com", type: "TXT", value: long, ttl: 60 }],
    });
  });

  it("returns a looping CNAME chain as the server sent it, for the caller to judge", async () => {
    await reset();
    await admin("/dns", {
      records: [
        { type: "CNAME", name: "a.customer.com", value: "b.customer.com" },
        { type: "CNAME", name: "b.customer.com", value: "a.customer.com" },
      ],
    });
    const answer = await resolver().lookup("a.customer.com", "A");
    expect(answer.kind).toBe("answer");
    expect(answer.kind === "answer" && answer.records.map((record) => record.value)).toEqual([
      "b.customer.com",
      "a.customer.com",
    ]);
  });

  it("reports a timeout, SERVFAIL and bytes that are not DNS as failures, and keeps none of them", async () => {
    await reset();
    await admin("/dns-faults", {
      rules: [
        { name: "slow.customer.com", kind: "timeout" },
        { name: "broken.customer.com", kind: "servfail" },
        { name: "noise.customer.com", kind: "garbage" },
      ],
    });
    const dns = resolver({ timeoutMs: 300 });
    const slow = await dns.lookup("slow.customer.com", "A");
    const broken = await dns.lookup("broken.customer.com", "A");
    const noise = await dns.lookup("noise.customer.com", "A");
    expect([slow.kind === "failed" && slow.failure, broken.kind === "failed" && broken.failure]).toEqual([
      "timeout",
      "servfail",
    ]);
    expect(noise).toMatchObject({ kind: "failed", failure: "malformed" });
    await dns.lookup("broken.customer.com", "A");
    expect(queries.map((query) => query.result)).toEqual(["timeout", "servfail", "malformed", "servfail"]);
  });

  it("ignores a datagram that answers another question and keeps waiting for its own", async () => {
    // A stand-in server that first answers with a wrong id, then forwards to the simulator.
    const upstream = parseDnsServers(simulator.dnsServer ?? "")[0];
    const relay = createSocket("udp4");
    relay.bind(0, "127.0.0.1");
    await once(relay, "listening");
    relay.on("message", (bytes, peer) => {
      const wrongId = Buffer.from(bytes);
      wrongId.writeUInt16BE((bytes.readUInt16BE(0) + 1) % 65_536, 0);
      wrongId[2] = (wrongId[2] ?? 0) | 0x80;
      relay.send(wrongId, peer.port, peer.address);
      const forward = createSocket("udp4");
      forward.on("message", (answer) => {
        relay.send(answer, peer.port, peer.address);
        forward.close();
      });
      forward.send(bytes, upstream?.port, upstream?.host);
    });
    try {
      await reset();
      await admin("/dns", { records: [{ type: "A", name: "ok.customer.com", value: "192.0.2.7" }] });
      const dns = new DnsResolver({
        servers: [{ host: "127.0.0.1", port: relay.address().port }],
        timeoutMs: 2000,
        concurrency: 1,
      });
      expect(await dns.lookup("ok.customer.com", "A")).toMatchObject({
        kind: "answer",
        records: [{ value: "192.0.2.7" }],
      });
    } finally {
      relay.close();
    }
  });
});

/**
 * The contract with DNS itself: Node's own resolver (c-ares, which shares no code with dns-packet) reads the
 * simulator's answers, so both ends agreeing on a mistake cannot pass unnoticed.
 */
describe("the simulated DNS server, asked by an independent resolver (c-ares)", () => {
  let simulator: RunningSimulator;
  let cares: dnsPromises.Resolver;

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0, dnsPort: 0 });
    cares = new dnsPromises.Resolver({ timeout: 1000, tries: 1 });
    cares.setServers([simulator.dnsServer ?? ""]);
    await fetch(`${simulator.adminUrl}/dns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        records: [
          { type: "CNAME", name: "app.customer.com", value: "customers.saasprovider.com", ttl: 120 },
          { type: "A", name: "customers.saasprovider.com", value: "192.0.2.10", ttl: 300 },
          { type: "AAAA", name: "customers.saasprovider.com", value: "2001:db8::10" },
          { type: "TXT", name: "_acme-challenge.app.customer.com", value: "x".repeat(1500) },
        ],
      }),
    });
    await fetch(`${simulator.adminUrl}/dns-faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules: [{ name: "broken.customer.com", kind: "servfail" }] }),
    });
  });
  afterAll(async () => {
    await simulator.close();
  });

  it("answers CNAME, A with its TTL through the chain, AAAA, and a TXT too long for UDP", async () => {
    expect(await cares.resolveCname("app.customer.com")).toEqual(["customers.saasprovider.com"]);
    // c-ares caps an address's TTL by the CNAME's that led to it.
    expect(await cares.resolve4("app.customer.com", { ttl: true })).toEqual([
      { address: "192.0.2.10", ttl: 120 },
    ]);
    expect(await cares.resolve6("customers.saasprovider.com")).toEqual(["2001:db8::10"]);
    expect(
      (await cares.resolveTxt("_acme-challenge.app.customer.com")).map((chunks) => chunks.join("")),
    ).toEqual(["x".repeat(1500)]);
  });

  it("says NXDOMAIN, NODATA and SERVFAIL as resolvers expect them", async () => {
    await expect(cares.resolve4("nobody.customer.com")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(cares.resolveTxt("customers.saasprovider.com")).rejects.toMatchObject({ code: "ENODATA" });
    await expect(cares.resolve4("broken.customer.com")).rejects.toMatchObject({ code: "ESERVFAIL" });
  });
});
