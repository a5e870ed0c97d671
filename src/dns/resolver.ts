/**
 * A caching stub resolver for the few record types the operator looks at in its customers' DNS (CNAME, TXT, A,
 * AAAA). It asks the configured recursive resolvers (default: the system's, from /etc/resolv.conf) and keeps each
 * answer for its TTL, a negative answer briefly, and never a failure. It never throws: a timeout, SERVFAIL or an
 * answer that is not DNS comes back as a failure the caller reports. How it fits the operator:
 * docs/reference.md#watching-the-customers-dns; why it speaks DNS itself: docs/adr/0007-customer-dns-through-dns-packet.md.
 */
import { getServers } from "node:dns";
import { isIP } from "node:net";
import type { Answer, DecodedPacket } from "dns-packet";
import { DnsExchangeError, type DnsServer, exchange } from "./exchange.ts";

export type { DnsServer } from "./exchange.ts";

export type DnsRecordType = "A" | "AAAA" | "CNAME" | "TXT";

/** One record of an answer; names lower-case without the final dot, TXT strings joined (RFC 7208 §3.3). */
export interface DnsRecord {
  name: string;
  type: DnsRecordType;
  value: string;
  ttl: number;
}

export type DnsFailure = "timeout" | "servfail" | "refused" | "malformed" | "network";

export type DnsAnswer =
  /** NOERROR; no records of the type asked for (but maybe a CNAME chain) is NODATA. */
  | { kind: "answer"; records: DnsRecord[] }
  /** The name (or the end of its CNAME chain, which `records` then holds) does not exist. */
  | { kind: "nxdomain"; records: DnsRecord[] }
  | { kind: "failed"; failure: DnsFailure; message: string };

export interface DnsResolverOptions {
  /** Asked in order until one answers; see parseDnsServers. */
  servers: readonly DnsServer[];
  /** Per question and server. */
  timeoutMs: number;
  /** Questions on the wire at once; more wait their turn. */
  concurrency: number;
  /** The longest a negative answer (NXDOMAIN, NODATA) is kept, whatever its SOA says. */
  negativeTtlSeconds?: number;
  now?: () => number;
  /** Each question that went on the wire, by type and outcome (for metrics); cache hits are not questions. */
  onQuery?: (type: DnsRecordType, result: string) => void;
}

/** RFC 2308 lets a negative answer be kept for its SOA's minimum; briefly, so a record the customer adds shows soon. */
export const DEFAULT_NEGATIVE_TTL_SECONDS = 30;
/** Enough for every record of a large fleet; the oldest entry goes first beyond it. */
const MAX_CACHE_ENTRIES = 100_000;
const DEFAULT_DNS_PORT = 53;

const RCODE_NXDOMAIN = 3;
const rcodeFailures: Record<number, DnsFailure> = { 2: "servfail", 5: "refused" };

/**
 * `host[:port],…` as in `--dns-servers`: IPv4 (`10.0.0.10`, `10.0.0.10:5353`) or IPv6 (`2001:db8::1`,
 * `[2001:db8::1]:5353`). Names are refused: a resolver found through DNS cannot be how DNS is reached.
 */
export function parseDnsServers(raw: string): DnsServer[] {
  const servers = raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
      const [host, port] = bracketed
        ? [bracketed[1] ?? "", bracketed[2]]
        : isIP(item) === 6
          ? [item, undefined]
          : (item.split(":", 2) as [string, string | undefined]);
      const portNumber = port === undefined ? DEFAULT_DNS_PORT : Number(port);
      if (isIP(host) === 0 || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) {
        throw new Error(`expects IP[:port] or [IPv6]:port, got "${item}"`);
      }
      return { host, port: portNumber };
    });
  if (servers.length === 0) throw new Error("expects at least one server");
  return servers;
}

/**
 * The system's resolvers (from /etc/resolv.conf, as Node reads it): what the pod's own lookups use. One this
 * resolver cannot address (an IPv6 link-local address with a zone) is left out; none at all gives an empty list.
 */
export function systemDnsServers(): DnsServer[] {
  return getServers().flatMap((server) => {
    try {
      return parseDnsServers(server);
    } catch {
      return [];
    }
  });
}

interface CacheEntry {
  answer: DnsAnswer;
  expiresAt: number;
}

function normalizeName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

function recordOf(answer: Answer): DnsRecord | undefined {
  const base = { name: normalizeName(answer.name), ttl: "ttl" in answer ? (answer.ttl ?? 0) : 0 };
  switch (answer.type) {
    case "A":
    case "AAAA":
      return { ...base, type: answer.type, value: answer.data };
    case "CNAME":
      return { ...base, type: "CNAME", value: normalizeName(answer.data) };
    case "TXT": {
      const chunks = Array.isArray(answer.data) ? answer.data : [answer.data];
      return { ...base, type: "TXT", value: chunks.map((chunk) => chunk.toString()).join("") };
    }
    default:
      return undefined;
  }
}

/** How long an answer may be kept: its shortest TTL; a negative one its SOA's, capped. */
function ttlOf(answer: DnsAnswer, packet: DecodedPacket, negativeCap: number): number {
  if (answer.kind === "failed") return 0;
  const positive = answer.kind === "answer" && answer.records.length > 0;
  if (positive) return Math.min(...answer.records.map((record) => record.ttl));
  const soa = packet.authorities?.find((record) => record.type === "SOA");
  const soaTtl = soa && soa.type === "SOA" ? Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0) : negativeCap;
  return Math.min(soaTtl, negativeCap);
}

export class DnsResolver {
  readonly #options: DnsResolverOptions;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<DnsAnswer>>();
  readonly #waiting: Array<() => void> = [];
  #active = 0;

  constructor(options: DnsResolverOptions) {
    if (options.servers.length === 0) throw new Error("a DNS resolver needs at least one server");
    this.#options = options;
  }

  get servers(): readonly DnsServer[] {
    return this.#options.servers;
  }

  /** The answer for `name`/`type`, from the cache while it is fresh; concurrent asks for the same share one question. */
  lookup(name: string, type: DnsRecordType): Promise<DnsAnswer> {
    const key = `${type} ${normalizeName(name)}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > this.#now()) return Promise.resolve(cached.answer);
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const asked = this.#ask(normalizeName(name), type, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, asked);
    return asked;
  }

  async #ask(name: string, type: DnsRecordType, key: string): Promise<DnsAnswer> {
    await this.#slot();
    try {
      let last: DnsAnswer | undefined;
      for (const server of this.#options.servers) {
        const { answer, packet } = await this.#askServer(server, name, type);
        this.#options.onQuery?.(type, answer.kind === "failed" ? answer.failure : answer.kind);
        if (answer.kind !== "failed") {
          this.#remember(key, answer, packet);
          return answer;
        }
        last = answer;
      }
      return last as DnsAnswer;
    } finally {
      this.#release();
    }
  }

  async #askServer(
    server: DnsServer,
    name: string,
    type: DnsRecordType,
  ): Promise<{ answer: DnsAnswer; packet?: DecodedPacket }> {
    let packet: DecodedPacket;
    try {
      packet = await exchange(server, name, type, this.#options.timeoutMs);
    } catch (error) {
      const kind = error instanceof DnsExchangeError ? error.kind : "network";
      return { answer: { kind: "failed", failure: kind, message: (error as Error).message } };
    }
    const rcode = (packet.flags ?? 0) & 0xf;
    const records = (packet.answers ?? []).flatMap((answer) => recordOf(answer) ?? []);
    if (rcode === 0) return { answer: { kind: "answer", records }, packet };
    if (rcode === RCODE_NXDOMAIN) return { answer: { kind: "nxdomain", records }, packet };
    const failure = rcodeFailures[rcode] ?? "servfail";
    return {
      answer: {
        kind: "failed",
        failure,
        message: `${server.host}:${server.port} answered ${failure === "refused" ? "REFUSED" : `SERVFAIL (rcode ${rcode})`} for ${type} ${name}`,
      },
    };
  }

  #remember(key: string, answer: DnsAnswer, packet: DecodedPacket | undefined): void {
    if (!packet) return;
    const ttl = ttlOf(answer, packet, this.#options.negativeTtlSeconds ?? DEFAULT_NEGATIVE_TTL_SECONDS);
    if (ttl <= 0) return;
    this.#cache.delete(key);
    this.#cache.set(key, { answer, expiresAt: this.#now() + ttl * 1000 });
    if (this.#cache.size > MAX_CACHE_ENTRIES) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }

  async #slot(): Promise<void> {
    if (this.#active < this.#options.concurrency) {
      this.#active++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }
}
