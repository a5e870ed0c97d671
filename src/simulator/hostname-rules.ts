import { isIP } from "node:net";
import { ApiError } from "./api-error.ts";

/**
 * Hostname checks in the order Cloudflare documents them (docs/cloudflare-api.md#error-codes):
 * 1407 invalid (≥256 chars, IP address, characters outside a DNS name), 1408 non-ASCII, 1409 reserved TLD,
 * 1410 no registrable domain (public-suffix parse failure), 1411 example.com/.net/.org. The same checks on
 * a custom origin server answer 1415–1419.
 */

const RESERVED_TLDS = new Set(["test", "example", "invalid", "localhost"]);
const EXAMPLE_DOMAINS = new Set(["example.com", "example.net", "example.org"]);
/** A few multi-label public suffixes, enough to exercise 1410; the real API uses the full list. */
const MULTI_LABEL_PUBLIC_SUFFIXES = new Set(["co.uk", "org.uk", "com.au", "co.jp", "com.br", "co.nz"]);
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export const HOSTNAME_MAX_LENGTH = 255;

type Problem = { offset: number; message: string };

function hostnameProblem(name: string, allowWildcard: boolean): Problem | undefined {
  if (name.length === 0 || name.length > HOSTNAME_MAX_LENGTH) return { offset: 0, message: "length" };
  if ([...name].some((char) => char.charCodeAt(0) > 0x7f))
    return { offset: 1, message: "non-ASCII characters" };
  if (isIP(name.replace(/^\[|\]$/g, "")) !== 0) return { offset: 0, message: "IP address" };
  const bare = allowWildcard && name.startsWith("*.") ? name.slice(2) : name;
  const labels = bare.split(".");
  if (!labels.every((label) => LABEL.test(label))) return { offset: 0, message: "invalid characters" };
  const tld = labels.at(-1) ?? "";
  if (RESERVED_TLDS.has(tld)) return { offset: 2, message: "reserved top-level domain" };
  if (labels.length < 2 || /^[0-9]+$/.test(tld) || MULTI_LABEL_PUBLIC_SUFFIXES.has(bare)) {
    return { offset: 3, message: "no registrable domain" };
  }
  if (EXAMPLE_DOMAINS.has(labels.slice(-2).join(".")))
    return { offset: 4, message: "reserved example domain" };
  return undefined;
}

/** True for a plain (non-wildcard) hostname that passes every check above. */
export function isValidHostname(name: string): boolean {
  return hostnameProblem(name, false) === undefined;
}

/** Cloudflare stores hostnames lower-cased; validation runs on that form. */
export function normalizeHostname(name: string): string {
  return name.trim().toLowerCase();
}

export function assertValidCustomHostname(name: unknown): string {
  if (typeof name !== "string")
    throw new ApiError(400, 1407, "Invalid custom hostname: a hostname is required.");
  const normalized = normalizeHostname(name);
  const problem = hostnameProblem(normalized, true);
  if (problem)
    throw new ApiError(400, 1407 + problem.offset, `Invalid custom hostname (${problem.message}).`);
  return normalized;
}

/** Custom origin servers must be records in the SaaS zone: no wildcard (1420), no other zone (1421). */
export function assertValidCustomOrigin(name: unknown, zoneName: string): string {
  if (typeof name !== "string") throw new ApiError(400, 1415, "Invalid custom origin hostname.");
  const normalized = normalizeHostname(name);
  if (normalized.startsWith("*."))
    throw new ApiError(400, 1420, "Wildcard custom origin hostnames are not allowed.");
  const problem = hostnameProblem(normalized, false);
  if (problem)
    throw new ApiError(400, 1415 + problem.offset, `Invalid custom origin hostname (${problem.message}).`);
  if (normalized !== zoneName && !normalized.endsWith(`.${zoneName}`)) {
    throw new ApiError(400, 1421, "The custom origin hostname has no A, AAAA or CNAME record in this zone.");
  }
  return normalized;
}
