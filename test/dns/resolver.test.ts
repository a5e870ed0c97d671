import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { decode } from "dns-packet";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DnsResolver, parseDnsServers } from "../../src/dns/resolver.ts";
import { startSimulator } from "../../src/simulator/index.ts";

/** A DNS server on loopback that never answers and remembers every question it got. */
async function blackHole(): Promise<{ socket: Socket; port: number; questions: string[] }> {
  const socket = createSocket("udp4");
  const questions: string[] = [];
  socket.on("message", (bytes) => {
    const question = decode(bytes).questions?.[0];
    questions.push(`${question?.type} ${question?.name}`);
  });
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { socket, port: socket.address().port, questions };
}

describe("DnsResolver against servers on loopback", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("keeps at most `concurrency` questions on the wire, and asks once for a name asked twice at once", async () => {
    const hole = await blackHole();
    cleanups.push(() => hole.socket.close());
    const resolver = new DnsResolver({
      servers: [{ host: "127.0.0.1", port: hole.port }],
      timeoutMs: 1500,
      concurrency: 2,
    });
    const names = ["a", "b", "c", "d"].map((label) => `${label}.customer.com`);
    const pending = [...names, names[0] ?? ""].map((name) => resolver.lookup(name, "A"));
    await vi.waitFor(() => expect(hole.questions).toHaveLength(2));
    // The first two time out, then the next two go out: never more than two at once, and `a` only once.
    const answers = await Promise.all(pending);
    expect(answers.map((answer) => answer.kind === "failed" && answer.failure)).toEqual(
      Array(5).fill("timeout"),
    );
    expect(hole.questions.sort()).toEqual(names.map((name) => `A ${name}`));
  });

  it("asks the next server when one does not answer", async () => {
    const hole = await blackHole();
    const simulator = await startSimulator({ port: 0, dnsPort: 0 });
    cleanups.push(
      () => hole.socket.close(),
      () => simulator.close(),
    );
    await fetch(`${simulator.adminUrl}/dns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        records: [{ type: "TXT", name: "_cf-custom-hostname.customer.com", value: "token" }],
      }),
    });
    const results: string[] = [];
    const resolver = new DnsResolver({
      servers: [{ host: "127.0.0.1", port: hole.port }, ...parseDnsServers(simulator.dnsServer ?? "")],
      timeoutMs: 300,
      concurrency: 1,
      onQuery: (_type, result) => results.push(result),
    });
    expect(await resolver.lookup("_cf-custom-hostname.customer.com", "TXT")).toMatchObject({
      kind: "answer",
      records: [{ value: "token" }],
    });
    expect(results).toEqual(["timeout", "answer"]);
  });
});

describe("parseDnsServers", () => {
  it("reads IPv4 and IPv6 servers with and without ports", () => {
    expect(parseDnsServers("10.96.0.10,127.0.0.1:8053, ::1 ,[2001:db8::53]:5353")).toEqual([
      { host: "10.96.0.10", port: 53 },
      { host: "127.0.0.1", port: 8053 },
      { host: "::1", port: 53 },
      { host: "2001:db8::53", port: 5353 },
    ]);
  });

  it.each(["", "dns.google", "10.0.0.1:0", "10.0.0.1:99999", "[::1]:x"])("refuses %j", (raw) => {
    expect(() => parseDnsServers(raw)).toThrow(/expects/);
  });
});
