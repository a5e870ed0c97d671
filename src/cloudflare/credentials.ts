/**
 * Cloudflare credentials, read from the Secret a FallbackOrigin names. The secret lives in a private field so
 * that logging, JSON-encoding or inspecting the object (or anything holding it) shows only the kind and a
 * fingerprint; the fingerprint also keys the shared rate limiter, which must never hold the secret itself.
 */
import { createHash } from "node:crypto";

export type CredentialsSpec =
  | { kind: "apiToken"; token: string }
  /** Legacy global API key (docs/cloudflare-api.md#authentication): whole-account power, not preferred. */
  | { kind: "globalKey"; email: string; key: string };

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");
const redactedMark = "[REDACTED]";

export class CloudflareCredentials {
  readonly kind: CredentialsSpec["kind"];
  /** Hex sha256 over the kind and secret, stable across restarts; identifies a credential without revealing it. */
  readonly fingerprint: string;
  readonly #spec: CredentialsSpec;

  constructor(spec: CredentialsSpec) {
    const secret = spec.kind === "apiToken" ? spec.token : spec.key;
    if (secret.trim() === "" || (spec.kind === "globalKey" && spec.email.trim() === "")) {
      throw new TypeError(`Cloudflare ${spec.kind} credentials are incomplete`);
    }
    this.kind = spec.kind;
    this.#spec = { ...spec };
    const material =
      spec.kind === "apiToken" ? ["apiToken", spec.token] : ["globalKey", spec.email, spec.key];
    this.fingerprint = createHash("sha256")
      .update(`cfsaas-credentials-v1\0${material.join("\0")}`)
      .digest("hex");
  }

  /** The authentication headers for one request; the only place the secret leaves this object. */
  headers(): Record<string, string> {
    const spec = this.#spec;
    return spec.kind === "apiToken"
      ? { authorization: `Bearer ${spec.token}` }
      : { "x-auth-email": spec.email, "x-auth-key": spec.key };
  }

  /** Removes the secret from text that may echo it (a Cloudflare message, a proxy's error page). */
  redact(text: string): string {
    const spec = this.#spec;
    const secret = spec.kind === "apiToken" ? spec.token : spec.key;
    return text.split(secret).join(redactedMark);
  }

  toString(): string {
    return `CloudflareCredentials(${this.kind}, ${this.fingerprint.slice(0, 12)})`;
  }

  toJSON(): { kind: CredentialsSpec["kind"]; fingerprint: string } {
    return { kind: this.kind, fingerprint: this.fingerprint };
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}
