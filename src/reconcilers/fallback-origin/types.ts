import type { FallbackOrigin, FallbackOriginStatus } from "../../api/fallback-origin.ts";
import type { CloudflareFailure } from "../../cloudflare/errors.ts";
import type { FallbackOrigin as CloudflareFallbackOrigin } from "../../cloudflare/wire.ts";
import type { CredentialsState } from "../../zones/cloudflare-access.ts";
import type { ConflictingClaim, Decision, PlannedEvent } from "../model.ts";

/** Guards a FallbackOrigin whose deletionPolicy is Delete (Manage only) until Cloudflare's origin is removed. */
export const FALLBACK_ORIGIN_FINALIZER = "cfsaas.dev/fallback-origin";

export type OriginObservation =
  | { kind: "unobserved" }
  /** Read now (`get`) or from the reply of our own PUT (`update`). */
  | { kind: "found"; origin: CloudflareFallbackOrigin; source: "get" | "update" }
  /** Cloudflare has no fallback origin for the zone. */
  | { kind: "absent" }
  | { kind: "failed"; failure: CloudflareFailure };

export interface FallbackOriginInput {
  object: FallbackOrigin;
  /**
   * The Secret's state; `usable` only after the executor verified the credentials against Cloudflare (token
   * verify for API tokens, and GET zone for zone access).
   */
  credentials: CredentialsState;
  /** An older FallbackOrigin for the same zoneId: it wins, this one reports Conflict and touches nothing. */
  conflict: ConflictingClaim | undefined;
  observation: OriginObservation;
  now: Date;
}

export type FallbackOriginAction =
  | { kind: "addFinalizer" }
  | { kind: "removeFinalizer" }
  /** GET the fallback origin (credentials were already verified by the executor). */
  | { kind: "observe" }
  | { kind: "update"; origin: string; event: PlannedEvent }
  /** A 404 from Cloudflare counts as done. */
  | { kind: "delete"; event: PlannedEvent };

export type FallbackOriginDecision = Decision<FallbackOriginStatus, FallbackOriginAction>;
