/**
 * Reads Cloudflare credentials out of the Secret a FallbackOrigin names. Every problem comes back as a message the
 * user can act on: which keys are expected and which the Secret has. Key names are safe to print; values never are.
 */
import type { Reason } from "../api/reasons.ts";
import type { CredentialsSpec } from "../cloudflare/credentials.ts";

export const API_TOKEN_KEY = "apiToken";
export const API_KEY_KEY = "apiKey";
export const EMAIL_KEY = "email";

export interface SecretReference {
  namespace: string;
  name: string;
}

export type ParsedCredentials =
  | { kind: "ok"; spec: CredentialsSpec }
  | { kind: "problem"; reason: Extract<Reason, "SecretNotFound" | "InvalidSecret">; message: string };

const expectedKeys = `key "${API_TOKEN_KEY}" (an API token, preferred) or keys "${API_KEY_KEY}" and "${EMAIL_KEY}" (the global API key)`;

// Anything outside visible ASCII cannot travel in an HTTP header: undici would refuse the request, and the
// error would name neither the Secret nor the key.
const headerSafe = /^[\x21-\x7e]+$/;

export function parseCredentialsSecret(
  secret: { data?: Record<string, string> } | undefined,
  ref: SecretReference,
): ParsedCredentials {
  const where = `Secret ${ref.namespace}/${ref.name}`;
  if (!secret) {
    return {
      kind: "problem",
      reason: "SecretNotFound",
      message: `${where} does not exist; create it in namespace ${ref.namespace} with ${expectedKeys}`,
    };
  }
  const data = secret.data ?? {};
  // Values pasted with `echo` or from a password manager often end in a newline; Cloudflare would reject them.
  const value = (key: string): string | undefined => {
    const encoded = data[key];
    return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8").trim();
  };
  const invalid = (problem: string): ParsedCredentials => ({
    kind: "problem",
    reason: "InvalidSecret",
    message: `${where} ${problem}; it needs ${expectedKeys}`,
  });
  const unusable = (key: string, text: string): string | undefined => {
    if (text === "") return `has an empty "${key}"`;
    if (!headerSafe.test(text)) return `has a "${key}" with spaces or non-ASCII characters inside`;
    return undefined;
  };

  const token = value(API_TOKEN_KEY);
  if (token !== undefined) {
    const problem = unusable(API_TOKEN_KEY, token);
    return problem ? invalid(problem) : { kind: "ok", spec: { kind: "apiToken", token } };
  }
  const key = value(API_KEY_KEY);
  const email = value(EMAIL_KEY);
  if (key !== undefined && email !== undefined) {
    const problem = unusable(API_KEY_KEY, key) ?? unusable(EMAIL_KEY, email);
    return problem ? invalid(problem) : { kind: "ok", spec: { kind: "globalKey", key, email } };
  }
  const present = Object.keys(data).sort();
  const has = present.length === 0 ? "has no keys" : `has keys ${present.map((k) => `"${k}"`).join(", ")}`;
  if (key !== undefined) return invalid(`${has} but no "${EMAIL_KEY}" to go with "${API_KEY_KEY}"`);
  if (email !== undefined) return invalid(`${has} but no "${API_KEY_KEY}" to go with "${EMAIL_KEY}"`);
  return invalid(has);
}
