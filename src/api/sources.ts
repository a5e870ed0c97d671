/**
 * Sources: CustomHostnames generated from hostnames already declared on Gateway API HTTPRoutes and Ingresses. The
 * annotations below are the whole user interface of a route (docs/sources.md); this module turns them into
 * settings, or into messages that say what is wrong, without touching the cluster.
 */
import { createHash } from "node:crypto";
import {
  CUSTOM_HOSTNAME_DELETION_POLICIES,
  type CustomHostnameSpec,
  SSL_METHODS,
} from "./custom-hostname.ts";
import { HostnameOrWildcardSchema, isWildcardHostname } from "./hostname.ts";
import { ObjectReferenceSchema } from "./object-reference.ts";

/** The `--sources` values, each one kind of route the operator can read hostnames from. */
export const SOURCE_NAMES = ["gateway-httproute", "ingress"] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** Takes part: names the FallbackOrigin every hostname of the route is served through. */
export const FALLBACK_ORIGIN_ANNOTATION = "cfsaas.dev/fallback-origin";
/** `http` (default), `txt` or `email`; wildcard hostnames always use `txt`. */
export const SSL_METHOD_ANNOTATION = "cfsaas.dev/ssl-method";
/** `Delete` (default) or `Retain`: what happens in Cloudflare when a generated CustomHostname goes. */
export const DELETION_POLICY_ANNOTATION = "cfsaas.dev/deletion-policy";
/** Comma-separated patterns: only matching hostnames take part. */
export const INCLUDE_HOSTNAMES_ANNOTATION = "cfsaas.dev/include-hostnames";
/** Comma-separated patterns: matching hostnames are left out (an exact name opts one hostname out). */
export const EXCLUDE_HOSTNAMES_ANNOTATION = "cfsaas.dev/exclude-hostnames";

/** On every generated CustomHostname: `<kind>.<route name>`, for `kubectl get cfh -l cfsaas.dev/source=…`. */
export const SOURCE_LABEL = "cfsaas.dev/source";

export type SslMethod = (typeof SSL_METHODS)[number];
export type DeletionPolicy = (typeof CUSTOM_HOSTNAME_DELETION_POLICIES)[number];

export interface SourceSettings {
  fallbackOrigin: string;
  sslMethod: SslMethod;
  deletionPolicy: DeletionPolicy;
  /** Undefined: every hostname; else only those matching one pattern. */
  include: string[] | undefined;
  exclude: string[];
}

export type ParsedAnnotations =
  /** The route does not carry `cfsaas.dev/fallback-origin`: it does not take part. */
  | { kind: "absent" }
  | { kind: "valid"; settings: SourceSettings }
  /** One message per annotation that is wrong; the route's generated CustomHostnames are left as they are. */
  | { kind: "invalid"; problems: string[] };

/** Reads a route's annotations. */
export function parseSourceAnnotations(annotations: Record<string, string> | undefined): ParsedAnnotations {
  const values = annotations ?? {};
  const origin = values[FALLBACK_ORIGIN_ANNOTATION];
  if (origin === undefined) return { kind: "absent" };
  const problems: string[] = [];
  const fallbackOrigin = origin.trim();
  const originCheck = ObjectReferenceSchema.shape.name.safeParse(fallbackOrigin);
  if (!originCheck.success) {
    problems.push(
      `${FALLBACK_ORIGIN_ANNOTATION} "${origin}" ${originCheck.error.issues[0]?.message ?? "is not a FallbackOrigin name"}`,
    );
  }
  const sslMethod = oneOf(values, SSL_METHOD_ANNOTATION, SSL_METHODS, "http", problems);
  const deletionPolicy = oneOf(
    values,
    DELETION_POLICY_ANNOTATION,
    CUSTOM_HOSTNAME_DELETION_POLICIES,
    "Delete",
    problems,
  );
  const include =
    values[INCLUDE_HOSTNAMES_ANNOTATION] === undefined
      ? undefined
      : patterns(values, INCLUDE_HOSTNAMES_ANNOTATION, problems);
  const exclude = patterns(values, EXCLUDE_HOSTNAMES_ANNOTATION, problems);
  if (problems.length > 0) return { kind: "invalid", problems };
  return { kind: "valid", settings: { fallbackOrigin, sslMethod, deletionPolicy, include, exclude } };
}

function oneOf<T extends string>(
  values: Record<string, string>,
  annotation: string,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  const raw = values[annotation];
  if (raw === undefined) return fallback;
  const value = raw.trim();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${annotation} "${raw}" must be one of ${allowed.join(", ")}`);
  return fallback;
}

function patterns(values: Record<string, string>, annotation: string, problems: string[]): string[] {
  const raw = values[annotation];
  if (raw === undefined) return [];
  const list = raw
    .split(",")
    .map((pattern) => pattern.trim().toLowerCase())
    .filter((pattern) => pattern.length > 0);
  const bad = list.filter((pattern) => !HostnameOrWildcardSchema.safeParse(pattern).success);
  if (bad.length > 0) {
    problems.push(
      `${annotation}: ${bad.map((pattern) => `"${pattern}"`).join(", ")} must be hostnames or "*.domain" patterns`,
    );
  }
  if (list.length === 0) problems.push(`${annotation} is empty: list hostnames or "*.domain" patterns`);
  return list;
}

/**
 * `app.example.com` matches only itself; `*.example.com` matches every name below example.com at any depth,
 * including the wildcard hostname `*.example.com` itself.
 */
export function hostnameMatches(pattern: string, hostname: string): boolean {
  return isWildcardHostname(pattern) ? hostname.endsWith(pattern.slice(1)) : hostname === pattern;
}

export interface RouteHostnames {
  /** Valid, selected by the filters, deduplicated, in the route's order. */
  selected: string[];
  /** Hostnames the CustomHostname API refuses (single labels, IP addresses, …), as written on the route. */
  invalid: string[];
}

/** Which of a route's hostnames take part under `settings`. */
export function selectHostnames(declared: readonly string[], settings: SourceSettings): RouteHostnames {
  const selected = new Set<string>();
  const invalid: string[] = [];
  for (const raw of declared) {
    const hostname = raw.trim().toLowerCase();
    if (settings.include && !settings.include.some((pattern) => hostnameMatches(pattern, hostname))) continue;
    if (settings.exclude.some((pattern) => hostnameMatches(pattern, hostname))) continue;
    if (!HostnameOrWildcardSchema.safeParse(hostname).success) invalid.push(raw);
    else selected.add(hostname);
  }
  return { selected: [...selected], invalid };
}

/**
 * The spec a route asks for one hostname: written in full (defaults included), so a hand edit of any field shows
 * as a difference. A wildcard needs TXT validation whatever the annotation says.
 */
export function generatedSpec(hostname: string, settings: SourceSettings): CustomHostnameSpec {
  const wildcard = isWildcardHostname(hostname);
  return {
    hostname,
    fallbackOriginRef: { name: settings.fallbackOrigin },
    ssl: { method: wildcard ? "txt" : settings.sslMethod, type: "dv", wildcard },
    deletionPolicy: settings.deletionPolicy,
  };
}

/** A DNS label's length: short enough for every place a name is copied to (event names, label values). */
const GENERATED_NAME_MAX_LENGTH = 63;

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** `readable` cut to fit beside `-<hash of key>` in a DNS label, never ending in a separator. */
function withHash(readable: string, key: string): string {
  const room = GENERATED_NAME_MAX_LENGTH - 9;
  return `${readable.slice(0, room).replace(/[-.]+$/, "")}-${shortHash(key)}`;
}

/**
 * The name of the CustomHostname generated for `hostname`: the same from every route and on every run, so a
 * restart, a re-created route or a hostname moving between routes of one namespace finds the object it made.
 * `app.example.com` → `app-example-com-<8 hex>`, `*.example.com` → `wildcard-example-com-<8 hex>`; the hash of
 * the whole hostname keeps names that read alike (`a-b.c`, `a.b-c`) apart.
 */
export function generatedName(hostname: string): string {
  const readable = hostname.replace(/^\*\./, "wildcard.").replaceAll(".", "-");
  return withHash(readable, hostname);
}

/** The `cfsaas.dev/source` label value: `httproute.shop`, or a hashed cut when longer than a label allows. */
export function sourceLabelValue(kind: string, routeName: string): string {
  const value = `${kind.toLowerCase()}.${routeName}`;
  return value.length <= GENERATED_NAME_MAX_LENGTH ? value : withHash(value, value);
}
