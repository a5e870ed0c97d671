import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "./api-error.ts";

/** A configured credential; `zones` undefined means every zone of the simulator. */
export type CredentialOptions =
  | { token: string; zones?: string[] }
  | { email: string; apiKey: string; zones?: string[] };

/** A credential with the id `/user/tokens/verify` reports for it. */
export type Credential = CredentialOptions & { id: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Who a request claims to be, before checking: the rate-limit bucket (Cloudflare limits per user). */
export function claimedIdentity(headers: IncomingHttpHeaders): string | undefined {
  const authorization = header(headers, "authorization");
  if (authorization !== undefined) return `bearer:${authorization.replace(/^Bearer\s+/i, "")}`;
  const email = header(headers, "x-auth-email");
  return email === undefined ? undefined : `key:${email.toLowerCase()}`;
}

/**
 * Bearer tokens first, then the global key (X-Auth-Email + X-Auth-Key). Failure codes
 * (docs/cloudflare-api.md#authentication): no credentials → 400/1403, malformed headers → 400/6003 (Cloudflare's
 * generic code, our choice here), unknown token → 401/1000, wrong key → 403/10000.
 */
export function authenticate(headers: IncomingHttpHeaders, credentials: readonly Credential[]): Credential {
  const authorization = header(headers, "authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw new ApiError(400, 6003, "Invalid request headers: malformed Authorization header.");
    const credential = credentials.find((c) => "token" in c && c.token === match[1]);
    if (!credential) throw new ApiError(401, 1000, "Invalid API Token");
    return credential;
  }
  const email = header(headers, "x-auth-email");
  const key = header(headers, "x-auth-key");
  if (email === undefined && key === undefined)
    throw new ApiError(400, 1403, "No authorization header provided.");
  if (email === undefined || key === undefined) {
    throw new ApiError(400, 6003, "Invalid request headers: X-Auth-Email and X-Auth-Key go together.");
  }
  const credential = credentials.find(
    (c) => "email" in c && c.email.toLowerCase() === email.toLowerCase() && c.apiKey === key,
  );
  if (!credential) throw new ApiError(403, 10000, "Authentication error");
  return credential;
}

/** The endpoint verifies API tokens only; a global key has nothing to verify there. */
export function requireToken(credential: Credential): Credential {
  if (!("token" in credential)) throw new ApiError(401, 1000, "Invalid API Token");
  return credential;
}

/** A credential without access to the zone, or a zone that does not exist, gets 403/10000. */
export function assertZoneAccess(credential: Credential, zoneId: string, zoneExists: boolean): void {
  const allowed = credential.zones === undefined || credential.zones.includes(zoneId);
  if (!allowed || !zoneExists) throw new ApiError(403, 10000, "Authentication error");
}
