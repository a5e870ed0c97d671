import type { FallbackOrigin } from "../api/fallback-origin.ts";
import type { Reason } from "../api/reasons.ts";
import { failureOf } from "../cloudflare/errors.ts";
import {
  type AttemptObserver,
  CloudflareClient,
  CloudflareCredentials,
  type RateLimiterRegistry,
} from "../cloudflare/index.ts";
import type { Informer, KubeObject } from "../kube/informer.ts";
import { parseCredentialsSecret } from "./credentials-secret.ts";

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** Why the credentials Secret cannot be used, in terms the user can act on. */
export type CredentialsProblemReason = Extract<
  Reason,
  "SecretNotFound" | "InvalidSecret" | "InvalidCredentials" | "Unauthorized" | "CredentialsCheckFailed"
>;

export type CredentialsState =
  | { kind: "usable" }
  | { kind: "problem"; reason: CredentialsProblemReason; message: string };

export type ZoneAccess =
  | { state: Extract<CredentialsState, { kind: "usable" }>; client: CloudflareClient }
  | { state: Extract<CredentialsState, { kind: "problem" }>; client?: undefined };

export interface CloudflareAccessOptions {
  secrets: Informer<SecretObject>;
  credentialsNamespace: string;
  baseUrl: string;
  limiters: RateLimiterRegistry;
  observer?: AttemptObserver;
  perPage: number;
  /** How long a successful credentials check is trusted before it is repeated. */
  verificationTtlMs?: number;
  now?: () => number;
}

/**
 * Turns a FallbackOrigin's credentialsRef into a ready Cloudflare client, or into a reason the user can act on.
 * A check costs two API calls (token verify + zone read), so a success is remembered per credential and zone
 * until the Secret changes or the TTL passes; failures are not remembered, so a fixed Secret is used at once.
 */
export class CloudflareAccess {
  readonly #options: Required<Omit<CloudflareAccessOptions, "observer">> &
    Pick<CloudflareAccessOptions, "observer">;
  readonly #clients = new Map<string, CloudflareClient>();
  readonly #verified = new Map<string, number>();

  constructor(options: CloudflareAccessOptions) {
    this.#options = { verificationTtlMs: 10 * 60_000, now: Date.now, ...options };
  }

  async forOrigin(origin: FallbackOrigin): Promise<ZoneAccess> {
    const credentials = this.#credentialsOf(origin);
    if (credentials.kind === "problem") return { state: credentials };
    const { client, verificationKey } = credentials;
    if (this.#recentlyVerified(verificationKey)) return { state: { kind: "usable" }, client };
    const problem = await this.#verify(client, origin.spec.zoneId);
    if (problem) return { state: problem };
    this.#verified.set(verificationKey, this.#options.now());
    return { state: { kind: "usable" }, client };
  }

  /**
   * What is known of an origin's credentials without calling Cloudflare: a Secret that cannot be used, a check
   * that passed within the TTL, or undefined when only a check can tell.
   */
  knownState(origin: FallbackOrigin): CredentialsState | undefined {
    const credentials = this.#credentialsOf(origin);
    if (credentials.kind === "problem") return credentials;
    return this.#recentlyVerified(credentials.verificationKey) ? { kind: "usable" } : undefined;
  }

  #credentialsOf(
    origin: FallbackOrigin,
  ):
    | Extract<CredentialsState, { kind: "problem" }>
    | { kind: "parsed"; client: CloudflareClient; verificationKey: string } {
    const { credentialsNamespace, secrets } = this.#options;
    const ref = { namespace: credentialsNamespace, name: origin.spec.credentialsRef.name };
    const secret = secrets.get(`${ref.namespace}/${ref.name}`);
    const parsed = parseCredentialsSecret(secret, ref);
    if (parsed.kind === "problem") return parsed;
    const client = this.#client(new CloudflareCredentials(parsed.spec));
    const verificationKey = `${client.credentials.fingerprint}|${origin.spec.zoneId}|${secret?.metadata.resourceVersion}`;
    return { kind: "parsed", client, verificationKey };
  }

  #recentlyVerified(verificationKey: string): boolean {
    const verifiedAt = this.#verified.get(verificationKey);
    return verifiedAt !== undefined && this.#options.now() - verifiedAt < this.#options.verificationTtlMs;
  }

  /** Forgets that a credential worked, after Cloudflare rejected it mid-flight. */
  invalidate(client: CloudflareClient): void {
    for (const key of this.#verified.keys()) {
      if (key.startsWith(`${client.credentials.fingerprint}|`)) this.#verified.delete(key);
    }
  }

  #client(credentials: CloudflareCredentials): CloudflareClient {
    let client = this.#clients.get(credentials.fingerprint);
    if (!client) {
      client = new CloudflareClient({
        credentials,
        baseUrl: this.#options.baseUrl,
        limiters: this.#options.limiters,
        observer: this.#options.observer,
        perPage: this.#options.perPage,
      });
      this.#clients.set(credentials.fingerprint, client);
    }
    return client;
  }

  async #verify(
    client: CloudflareClient,
    zoneId: string,
  ): Promise<Extract<CredentialsState, { kind: "problem" }> | undefined> {
    try {
      if (client.credentials.kind === "apiToken") {
        const token = await client.verifyToken();
        if (token.status !== "active") {
          return {
            kind: "problem",
            reason: "InvalidCredentials",
            message: `the API token is ${token.status}; create a new token and update the Secret`,
          };
        }
      }
      await client.getZone(zoneId);
      return undefined;
    } catch (error) {
      const failure = failureOf(error);
      if (failure.kind === "auth" || failure.kind === "notFound") {
        const invalid = failure.codes.some((code) => code >= 1000 && code <= 1005);
        return invalid
          ? {
              kind: "problem",
              reason: "InvalidCredentials",
              message: `Cloudflare rejected the credentials (${failure.message}); check the Secret's values`,
            }
          : {
              kind: "problem",
              reason: "Unauthorized",
              message: `the credentials cannot access zone ${zoneId} (${failure.message}); grant the token "Zone: Read" and "SSL and Certificates: Edit" on this zone`,
            };
      }
      return {
        kind: "problem",
        reason: "CredentialsCheckFailed",
        message: `could not check the credentials with Cloudflare: ${failure.message}`,
      };
    }
  }
}
