import { z } from "zod";

/** Longest name DNS carries in text form: 255 octets on the wire less the length bytes and root label. */
export const HOSTNAME_MAX_LENGTH = 253;

export const WILDCARD_PREFIX = "*.";

// Letters, digits and inner hyphens, 1 to 63 characters; punycode (`xn--`) labels fit this too.
const LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
// Every top-level domain starts with a letter, so requiring one also turns away IPv4 addresses
// (Cloudflare rejects IP hostnames with error 1407 and IP custom origins with 1415).
const TOP_LABEL = "[a-z]([a-z0-9-]{0,61}[a-z0-9])?";

// The API server checks CRD patterns with Go's RE2 engine: no lookaround, so the length limit lives in
// maxLength. These strings are copied verbatim into crds/*.yaml (a unit test keeps them equal).
export const HOSTNAME_PATTERN = `^(${LABEL}\\.)+${TOP_LABEL}$`;
export const HOSTNAME_OR_WILDCARD_PATTERN = `^(\\*\\.)?(${LABEL}\\.)+${TOP_LABEL}$`;

const HOSTNAME_RULE =
  "must be a lowercase fully qualified domain name without a trailing dot: at least two labels of letters, " +
  "digits and inner hyphens (1-63 characters each), ending in a label that starts with a letter";

/** A hostname Cloudflare can route to: `origin`, `cnameTarget`, `customOriginServer`. */
export const HostnameSchema = z
  .string()
  .max(HOSTNAME_MAX_LENGTH)
  .regex(new RegExp(HOSTNAME_PATTERN), HOSTNAME_RULE);

/** A customer hostname (`spec.hostname`): the same rule, optionally behind a leading `*.`. */
export const HostnameOrWildcardSchema = z
  .string()
  .max(HOSTNAME_MAX_LENGTH)
  .regex(new RegExp(HOSTNAME_OR_WILDCARD_PATTERN), `${HOSTNAME_RULE}, optionally prefixed by "*."`);

export function isWildcardHostname(hostname: string): boolean {
  return hostname.startsWith(WILDCARD_PREFIX);
}
