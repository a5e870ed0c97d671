/**
 * One DNS question to one server and its answer, on the wire: UDP first, TCP when the answer comes back truncated
 * (RFC 7766). Encoding and decoding are dns-packet's (docs/adr/0007-customer-dns-through-dns-packet.md); this
 * module only moves bytes and checks that an answer belongs to the question asked.
 */
import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { isIPv6, createConnection as tcpConnect } from "node:net";
import {
  type DecodedPacket,
  decode,
  encode,
  type Packet,
  RECURSION_DESIRED,
  type RecordType,
  streamEncode,
} from "dns-packet";

/** A resolver to ask: an IP address and port (53 unless said otherwise). */
export interface DnsServer {
  host: string;
  port: number;
}

/** Why an exchange produced no usable answer; the resolver turns these into failures, never exceptions. */
export type ExchangeFailure = "timeout" | "network" | "malformed";

export class DnsExchangeError extends Error {
  override name = "DnsExchangeError";
  readonly kind: ExchangeFailure;

  constructor(kind: ExchangeFailure, message: string) {
    super(message);
    this.kind = kind;
  }
}

/**
 * The UDP payload size we advertise with EDNS(0): the DNS Flag Day 2020 value, which avoids IP fragmentation;
 * a larger answer comes back truncated and is asked again over TCP.
 */
export const EDNS_UDP_PAYLOAD_SIZE = 1232;
/** A DNS message over TCP is at most 65,535 bytes after its two-byte length. */
const MAX_TCP_MESSAGE = 65_535;

/** The query for `name`/`type`, recursion desired, with an EDNS(0) OPT record. */
function query(id: number, name: string, type: RecordType): Packet {
  return {
    type: "query",
    id,
    flags: RECURSION_DESIRED,
    questions: [{ type, name, class: "IN" }],
    additionals: [
      {
        type: "OPT",
        name: ".",
        udpPayloadSize: EDNS_UDP_PAYLOAD_SIZE,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  };
}

function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, "").toLowerCase() === b.replace(/\.$/, "").toLowerCase();
}

/** An answer is ours when it is a response with our id to our question (RFC 5452 §9.1). */
function answersQuestion(packet: DecodedPacket, id: number, name: string, type: RecordType): boolean {
  const question = packet.questions?.[0];
  return (
    packet.flag_qr &&
    packet.id === id &&
    question !== undefined &&
    question.type === type &&
    sameName(question.name, name)
  );
}

function decodeAnswer(bytes: Buffer, server: DnsServer): DecodedPacket {
  try {
    return decode(bytes);
  } catch (error) {
    throw new DnsExchangeError(
      "malformed",
      `${server.host}:${server.port} sent an answer that is not a DNS message (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** Asks `server` for `name`/`type`; resolves with the decoded answer, whatever its rcode, or throws DnsExchangeError. */
export async function exchange(
  server: DnsServer,
  name: string,
  type: RecordType,
  timeoutMs: number,
): Promise<DecodedPacket> {
  const id = randomInt(0, 65_536);
  const answer = await overUdp(server, id, name, type, timeoutMs);
  if (!answer.flag_tc) return answer;
  return overTcp(server, id, name, type, timeoutMs);
}

function overUdp(
  server: DnsServer,
  id: number,
  name: string,
  type: RecordType,
  timeoutMs: number,
): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
    const timer = setTimeout(
      () =>
        finish(
          new DnsExchangeError(
            "timeout",
            `no answer from ${server.host}:${server.port} within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    const finish = (outcome: DecodedPacket | Error) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on("error", (error) =>
      finish(new DnsExchangeError("network", `${server.host}:${server.port}: ${error.message}`)),
    );
    socket.on("message", (bytes) => {
      let packet: DecodedPacket;
      try {
        packet = decodeAnswer(bytes, server);
      } catch (error) {
        finish(error as Error);
        return;
      }
      // Anything else (a late answer to an earlier question) is not ours: keep waiting.
      if (answersQuestion(packet, id, name, type)) finish(packet);
    });
    // A connected socket only accepts datagrams from the server it asked.
    socket.connect(server.port, server.host, () => {
      socket.send(encode(query(id, name, type)));
    });
  });
}

function overTcp(
  server: DnsServer,
  id: number,
  name: string,
  type: RecordType,
  timeoutMs: number,
): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (outcome: DecodedPacket | Error) => {
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(
        new DnsExchangeError(
          "timeout",
          `no answer from ${server.host}:${server.port} (TCP) within ${timeoutMs} ms`,
        ),
      ),
    );
    socket.on("error", (error) =>
      finish(new DnsExchangeError("network", `${server.host}:${server.port}: ${error.message}`)),
    );
    socket.on("connect", () => socket.write(streamEncode(query(id, name, type))));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > MAX_TCP_MESSAGE + 2) {
        finish(
          new DnsExchangeError("malformed", `${server.host}:${server.port} sent more than one DNS message`),
        );
        return;
      }
      const buffer = Buffer.concat(chunks);
      if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
      try {
        const packet = decodeAnswer(buffer.subarray(2, 2 + buffer.readUInt16BE(0)), server);
        finish(
          answersQuestion(packet, id, name, type)
            ? packet
            : new DnsExchangeError(
                "malformed",
                `${server.host}:${server.port} answered another question over TCP`,
              ),
        );
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on("end", () =>
      finish(
        new DnsExchangeError(
          "malformed",
          `${server.host}:${server.port} closed the TCP connection before a whole answer`,
        ),
      ),
    );
  });
}
