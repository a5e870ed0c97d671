import type { CustomHostname, CustomHostnameStatus } from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import type { CloudflareFailure } from "../../cloudflare/errors.ts";
import type {
  CustomHostname as CloudflareHostname,
  CreateCustomHostnameBody,
  EditCustomHostnameBody,
} from "../../cloudflare/wire.ts";
import type { CredentialsState } from "../../zones/cloudflare-access.ts";
import type { ConflictingClaim, Decision, PlannedEvent } from "../model.ts";
import type { DnsObservation, DnsRefreshPolicy } from "./dns-status.ts";

/** Guards the Cloudflare hostname: removed only once it is deleted there (or retained by policy). */
export const CUSTOM_HOSTNAME_FINALIZER = "cfsaas.dev/custom-hostname";

/** What Cloudflare holds for this resource's hostname, as far as the executor has looked. */
export type HostnameObservation =
  /** Cloudflare has not been read in this reconcile yet. */
  | { kind: "unobserved" }
  /**
   * Read now (`get`, `list` when found by name, `create`/`update` replies) or taken from the zone poller's
   * snapshot (`snapshot`, at most two poll intervals old).
   */
  | { kind: "found"; hostname: CloudflareHostname; source: "get" | "list" | "create" | "update" | "snapshot" }
  /** Looked up by id (if any) and by exact name: Cloudflare has no such hostname in the zone. */
  | { kind: "absent" }
  | { kind: "failed"; failure: CloudflareFailure }
  /**
   * Nothing was read yet, on purpose: the request budget would hold the step about `waitMs`, or a zone listing
   * that serves many due checks at once may come within `waitMs`. The object is looked at again then.
   */
  | { kind: "queued"; waitMs: number };

export interface CustomHostnameInput {
  /** The resource as cached (never mutated). */
  object: CustomHostname;
  /** The FallbackOrigin named by spec.fallbackOriginRef, if it exists. */
  fallbackOrigin: FallbackOrigin | undefined;
  /** Whether the FallbackOrigin's credentials Secret is usable (resolved by the executor). */
  credentials: CredentialsState;
  /**
   * An older CustomHostname (any namespace) whose spec.hostname is the same in the same zone: it owns the
   * Cloudflare hostname and this one must not touch it.
   */
  conflict: ConflictingClaim | undefined;
  observation: HostnameObservation;
  now: Date;
  /**
   * Multiplies the validation check schedule (1 in production). Tests and the demo run Cloudflare's schedule
   * accelerated and need the operator to look as often.
   */
  scheduleScale: number;
  /**
   * The DNS watch (`--dns-watch`): its last verdicts on this object's records, and when it may ask Cloudflare to
   * re-validate. Undefined when the customer's DNS is not watched.
   */
  dns?:
    | {
        observation: DnsObservation;
        /** The last refresh on a DNS change this process made, which the cached object may not show yet. */
        refreshedAt?: string | undefined;
        refresh: DnsRefreshPolicy;
      }
    | undefined;
}

/** Steps that change Cloudflare carry the event the executor records once the call has succeeded. */
export type CustomHostnameAction =
  | { kind: "addFinalizer" }
  | { kind: "removeFinalizer" }
  /** Read Cloudflare: GET status.hostnameId if set (404 → then by name), else list by exact name. */
  | { kind: "observe" }
  | { kind: "create"; body: CreateCustomHostnameBody; event: PlannedEvent }
  /**
   * `drift` names the fields that differ (none for a refresh request); the body always carries the whole desired
   * ssl (type + method), which is also what makes Cloudflare re-validate.
   */
  | { kind: "update"; id: string; body: EditCustomHostnameBody; drift: string[]; event: PlannedEvent }
  /** A 404 from Cloudflare counts as done. */
  | { kind: "delete"; id: string; event: PlannedEvent };

export type CustomHostnameDecision = Decision<CustomHostnameStatus, CustomHostnameAction>;
