/**
 * The simulated DNS table served as a real DNS server on 127.0.0.1, over UDP and TCP on one port, so the operator's
 * resolver is exercised on the wire (docs/simulator.md#dns-server). It answers as a recursive resolver would: a
 * question for A, AAAA or TXT follows the name's CNAME chain (a loop is answered as the looping chain, which the
 * client must detect), an unknown name is NXDOMAIN and a known name without the type is NODATA, both with an SOA
 * that says how long to keep the negative answer. Faults set per name make it time out, answer SERVFAIL, or send
 * bytes that are not DNS. Wire format: dns-packet (docs/adr/0007-customer-dns-through-dns-packet.md).
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Socket as NetSocket, type Server } from "node:net";
import {
  type Answer,
  type DecodedPacket,
  decode,
  encode,
  type Packet,
  RECURSION_AVAILABLE,
  RECURSION_DESIRED,
  TRUNCATED_RESPONSE,
} from "dns-packet";
import type { DnsRecord, DnsTable } from "./dns-table.ts";

/** How long a resolver may keep a negative answer: short, so tests see a record they add within seconds. */
export const NEGATIVE_TTL_SECONDS = 5;
/** Longer chains are cut, as resolvers do; a loop is cut where it closes. */
const MAX_CHAIN = 16;
/** Without EDNS(0) a UDP answer may not exceed 512 bytes (RFC 1035 §4.2.1). */
const CLASSIC_UDP_SIZE = 512;
const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4 } as const;
const ANSWERED_TYPES = new Set(["A", "AAAA", "CNAME", "TXT"]);

function answerOf(record: DnsRecord, name: string): Answer {
  const base = { name, ttl: record.ttl, class: "IN" as const };
  switch (record.type) {
    case "TXT": {
      // A character-string holds at most 255 bytes; longer values span several (RFC 1035 §3.3.14).
      const bytes = Buffer.from(record.value);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 255) chunks.push(bytes.subarray(at, at + 255));
      return { ...base, type: "TXT", data: chunks };
    }
    case "CNAME":
      return { ...base, type: "CNAME", data: record.value };
    case "A":
    case "AAAA":
      return { ...base, type: record.type, data: record.value };
  }
}

/** The zone a negative answer's SOA stands for: the name's last two labels, as good as any for the simulation. */
function soaFor(name: string): Answer {
  const zone = name.split(".").slice(-2).join(".");
  return {
    type: "SOA",
    name: zone,
    ttl: NEGATIVE_TTL_SECONDS,
    class: "IN",
    data: {
      mname: `ns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 86_400,
      minimum: NEGATIVE_TTL_SECONDS,
    },
  };
}

/** Bytes that begin like an answer to `id` and then stop: what a broken middlebox might send. */
function garbageFor(id: number): Buffer {
  const bytes = Buffer.alloc(16, 0xff);
  bytes.writeUInt16BE(id, 0);
  bytes.writeUInt16BE(0x8180, 2); // a response, recursion available
  bytes.writeUInt16BE(1, 4); // one question …
  bytes.writeUInt16BE(3, 6); // … and three answers that are not there
  return bytes;
}

/**
 * The answer to one query as bytes, or undefined for no answer at all (a `timeout` fault, or bytes that are not a
 * query). `maxUdpSize` is set for UDP: a longer answer is sent truncated, so the client asks again over TCP.
 */
export function answerDnsQuery(table: DnsTable, bytes: Buffer, maxUdpSize?: number): Buffer | undefined {
  let query: DecodedPacket;
  try {
    query = decode(bytes);
  } catch {
    return undefined;
  }
  if (query.type !== "query") return undefined;
  const question = query.questions?.[0];
  const edns = query.additionals?.find((record) => record.type === "OPT");
  const flags = RECURSION_AVAILABLE | ((query.flags ?? 0) & RECURSION_DESIRED);
  const response = (rcode: number, answers: Answer[] = [], authorities: Answer[] = []): Packet => ({
    type: "response",
    id: query.id ?? 0,
    flags: flags | rcode,
    questions: query.questions ?? [],
    answers,
    authorities,
    ...(edns && {
      additionals: [
        {
          type: "OPT",
          name: ".",
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    }),
  });
  let packet: Packet;
  if (!question) packet = response(RCODE.formErr);
  else {
    const fault = table.fault(question.name);
    if (fault === "timeout") return undefined;
    if (fault === "garbage") return garbageFor(query.id ?? 0);
    if (fault === "servfail") packet = response(RCODE.servFail);
    else if (!ANSWERED_TYPES.has(question.type)) packet = response(RCODE.notImp);
    else packet = resolve(table, question.name, question.type, response);
  }
  const encoded = encode(packet);
  if (maxUdpSize === undefined) return encoded;
  const limit =
    edns && edns.type === "OPT" ? Math.max(CLASSIC_UDP_SIZE, edns.udpPayloadSize) : CLASSIC_UDP_SIZE;
  if (encoded.length <= limit) return encoded;
  return encode({ ...packet, flags: (packet.flags ?? 0) | TRUNCATED_RESPONSE, answers: [], authorities: [] });
}

function resolve(
  table: DnsTable,
  askedName: string,
  type: string,
  response: (rcode: number, answers?: Answer[], authorities?: Answer[]) => Packet,
): Packet {
  const answers: Answer[] = [];
  const seen = new Set<string>();
  let name = askedName.replace(/\.$/, "").toLowerCase();
  while (type !== "CNAME" && answers.length < MAX_CHAIN) {
    const cname = table.get("CNAME", name);
    if (!cname) break;
    answers.push(answerOf(cname, name));
    seen.add(name);
    if (seen.has(cname.value)) return response(RCODE.noError, answers);
    name = cname.value;
  }
  const record = table.get(type as DnsRecord["type"], name);
  if (record) return response(RCODE.noError, [...answers, answerOf(record, name)]);
  return response(table.exists(name) ? RCODE.noError : RCODE.nxDomain, answers, [soaFor(name)]);
}

export interface RunningDnsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `table` on 127.0.0.1:`port`, UDP and TCP on the same port (0: a free one, found by binding UDP first and
 * retrying when TCP finds it taken).
 */
export async function startDnsServer(table: DnsTable, port: number): Promise<RunningDnsServer> {
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket("udp4");
    udp.bind(port, "127.0.0.1");
    await once(udp, "listening");
    const bound = udp.address().port;
    const connections = new Set<NetSocket>();
    const tcp = createServer((connection) => {
      connections.add(connection);
      connection.on("close", () => connections.delete(connection));
      serveTcp(table, connection);
    });
    try {
      tcp.listen(bound, "127.0.0.1");
      await once(tcp, "listening");
    } catch (error) {
      udp.close();
      if (port !== 0 || attempt >= 10) throw error;
      continue;
    }
    serveUdp(table, udp);
    return {
      port: bound,
      close: async () => {
        for (const connection of connections) connection.destroy();
        await closeBoth(udp, tcp);
      },
    };
  }
}

function serveUdp(table: DnsTable, socket: Socket): void {
  socket.on("message", (bytes, peer) => {
    const answer = answerDnsQuery(table, bytes, CLASSIC_UDP_SIZE);
    if (answer) socket.send(answer, peer.port, peer.address);
  });
}

function serveTcp(table: DnsTable, connection: NetSocket): void {
  let buffered = Buffer.alloc(0);
  connection.on("error", () => connection.destroy());
  connection.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const length = buffered.readUInt16BE(0);
      const answer = answerDnsQuery(table, buffered.subarray(2, 2 + length));
      buffered = buffered.subarray(2 + length);
      if (!answer) continue;
      const framed = Buffer.alloc(2 + answer.length);
      framed.writeUInt16BE(answer.length, 0);
      answer.copy(framed, 2);
      connection.write(framed);
    }
  });
}

async function closeBoth(udp: Socket, tcp: Server): Promise<void> {
  await new Promise<void>((resolveClose) => udp.close(() => resolveClose()));
  await new Promise<void>((resolveClose, reject) => {
    tcp.close((error) => (error ? reject(error) : resolveClose()));
  });
}
