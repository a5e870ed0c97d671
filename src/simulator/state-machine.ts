import {
  CERTIFICATE_VALIDATION_SCHEDULE,
  firstCheckAt,
  firstCheckAtOrAfter,
  HOSTNAME_VALIDATION_SCHEDULE,
  lastCheckAt,
} from "./validation-schedule.ts";

/**
 * Pure state machines: every status is computed from timestamps (simulated ms) when it is read, so the
 * simulator needs no timers and a given history always yields the same state. "Evidence since" values are
 * the moments the simulated DNS began to hold the record that proves something (see evidence.ts).
 */

const SECOND = 1000;
const DAY = 86_400 * SECOND;

/**
 * Fallback origin: initializing → pending_deployment → active (docs/cloudflare-api.md#fallback-origin). The
 * durations are ours: Cloudflare documents none.
 */
export const FALLBACK_ORIGIN_TIMING = { pendingDeploymentAfter: 30 * SECOND, activeAfter: 60 * SECOND };

export type FallbackOriginStatus = "initializing" | "pending_deployment" | "active";

/**
 * `routable`: the origin is a record in the SaaS zone; otherwise it never deploys
 * (docs/cloudflare-api.md#fallback-origin).
 */
export type FallbackOriginTimeline = { updatedAt: number; routable: boolean };

export function fallbackOriginStatus(origin: FallbackOriginTimeline, now: number): FallbackOriginStatus {
  if (!origin.routable) return "initializing";
  if (now >= origin.updatedAt + FALLBACK_ORIGIN_TIMING.activeAfter) return "active";
  if (now >= origin.updatedAt + FALLBACK_ORIGIN_TIMING.pendingDeploymentAfter) return "pending_deployment";
  return "initializing";
}

export function fallbackOriginActiveSince(origin: FallbackOriginTimeline): number | undefined {
  return origin.routable ? origin.updatedAt + FALLBACK_ORIGIN_TIMING.activeAfter : undefined;
}

/**
 * The error Cloudflare reports for an origin that is not a proxied record in the zone, as in the 2026 reference's
 * example (docs/cloudflare-api.md#fallback-origin).
 */
export const FALLBACK_ORIGIN_DNS_ERROR =
  "DNS records are not setup correctly. Origin should be a proxied A/AAAA/CNAME dns record";

export type HostnameStatus = "pending" | "active" | "moved" | "deleted";

export type OwnershipInput = {
  /** Creation time, or the last refresh (PATCH with the same ssl method and type). */
  validationStartedAt: number;
  /** Latched once a check passed, so later DNS edits cannot undo it. */
  verifiedAt?: number;
  /** Since when the customer's CNAME to the zone, or the ownership TXT, is in DNS. */
  evidenceSince?: number;
  fallbackOrigin?: FallbackOriginTimeline;
  now: number;
};

export type OwnershipState = { status: HostnameStatus; verificationErrors: string[]; verifiedAt?: number };

/** Verification messages as Cloudflare words them (docs/cloudflare-api.md#fallback-origin). */
export const VERIFICATION_ERRORS = {
  noFallbackOrigin: "Zone does not have a fallback origin set.",
  fallbackOriginNotActive: (status: FallbackOriginStatus) => `Fallback origin is in ${status} state.`,
  noCname: "custom hostname does not CNAME to this zone.",
};

/**
 * Hostname ownership: checked on the hostname backoff schedule; a check passes when the DNS evidence is in
 * place and the zone's fallback origin is active. After the last check the hostname is `moved`, and
 * `deleted` 7 days later (docs/cloudflare-api.md#hostname-status); both stay readable.
 */
export function ownershipState(input: OwnershipInput): OwnershipState {
  const { now } = input;
  if (input.verifiedAt !== undefined && input.verifiedAt <= now) {
    return { status: "active", verificationErrors: [], verifiedAt: input.verifiedAt };
  }
  const fallbackActiveSince = input.fallbackOrigin && fallbackOriginActiveSince(input.fallbackOrigin);
  if (input.evidenceSince !== undefined && fallbackActiveSince !== undefined) {
    const passedAt = firstCheckAtOrAfter(
      HOSTNAME_VALIDATION_SCHEDULE,
      input.validationStartedAt,
      Math.max(input.evidenceSince, fallbackActiveSince),
    );
    if (passedAt !== undefined && passedAt <= now) {
      return { status: "active", verificationErrors: [], verifiedAt: passedAt };
    }
  }
  const lastCheck = lastCheckAt(HOSTNAME_VALIDATION_SCHEDULE, input.validationStartedAt);
  const status: HostnameStatus =
    now >= lastCheck + 7 * DAY ? "deleted" : now >= lastCheck ? "moved" : "pending";
  const checked = now >= firstCheckAt(HOSTNAME_VALIDATION_SCHEDULE, input.validationStartedAt);
  return { status, verificationErrors: checked ? ownershipErrors(input) : [] };
}

function ownershipErrors(input: OwnershipInput): string[] {
  const errors: string[] = [];
  if (!input.fallbackOrigin) errors.push(VERIFICATION_ERRORS.noFallbackOrigin);
  else {
    const status = fallbackOriginStatus(input.fallbackOrigin, input.now);
    if (status !== "active") errors.push(VERIFICATION_ERRORS.fallbackOriginNotActive(status));
  }
  if (input.evidenceSince === undefined || input.evidenceSince > input.now)
    errors.push(VERIFICATION_ERRORS.noCname);
  return errors;
}

/** Certificate timing after DCV: the docs say issuance takes "a few minutes"; these durations are ours. */
export const CERTIFICATE_TIMING = {
  validationRecordsAfter: 5 * SECOND,
  issuedAfterValidation: 30 * SECOND,
  activeAfterValidation: 60 * SECOND,
  lifetime: 90 * DAY,
};

export type CertificateStatus =
  | "initializing"
  | "pending_validation"
  | "pending_issuance"
  | "pending_deployment"
  | "active"
  | "validation_timed_out";

export type CertificateInput = {
  /** When this certificate was ordered (create, or a change of method, type or CA). */
  orderedAt: number;
  /** Start of the DCV schedule: the order, or the last refresh. */
  validationStartedAt: number;
  /** Latched once DCV passed. */
  validatedAt?: number;
  /** Since when DNS satisfies the DCV method (undefined for email, which needs a person to click). */
  evidenceSince?: number;
  /** The hostname ran out of checks (`moved`/`deleted`): an unvalidated certificate times out with it. */
  hostnameGaveUp: boolean;
  now: number;
};

export type CertificateState = {
  status: CertificateStatus;
  validatedAt?: number;
  /** Set once issued: `uploaded_on`, and `expires_on` = issuedAt + 90 days. */
  issuedAt?: number;
};

/** ssl.status: initializing → pending_validation → pending_issuance → pending_deployment → active. */
export function certificateState(input: CertificateInput): CertificateState {
  const { now } = input;
  const recordsAt = input.orderedAt + CERTIFICATE_TIMING.validationRecordsAfter;
  const validatedAt = input.validatedAt ?? dcvPassedAt(input, recordsAt);
  if (validatedAt !== undefined && validatedAt <= now) {
    const issuedAt = validatedAt + CERTIFICATE_TIMING.issuedAfterValidation;
    if (now < issuedAt) return { status: "pending_issuance", validatedAt };
    if (now < validatedAt + CERTIFICATE_TIMING.activeAfterValidation) {
      return { status: "pending_deployment", validatedAt, issuedAt };
    }
    return { status: "active", validatedAt, issuedAt };
  }
  if (now < recordsAt) return { status: "initializing" };
  return { status: input.hostnameGaveUp ? "validation_timed_out" : "pending_validation" };
}

function dcvPassedAt(input: CertificateInput, recordsAt: number): number | undefined {
  if (input.evidenceSince === undefined) return undefined;
  return firstCheckAtOrAfter(
    CERTIFICATE_VALIDATION_SCHEDULE,
    input.validationStartedAt,
    Math.max(input.evidenceSince, recordsAt),
  );
}
