/**
 * Cloudflare's two independent checks, hostname ownership (`status`) and certificate DCV (`ssl.status`), read as
 * the conditions users wait on. Traffic is served only when both are `active`
 * (docs/cloudflare-api.md#custom-hostname-fields), so that alone makes Ready true; every other state gets a reason
 * saying which check is waiting and on what.
 */

import { ConditionType } from "../../api/conditions.ts";
import { Reason } from "../../api/reasons.ts";
import type { ReasonedCondition } from "../reporting.ts";

export interface CloudflareState {
  hostnameStatus: string | undefined;
  sslStatus: string | undefined;
  verificationErrors: readonly string[];
  validationErrors: readonly string[];
  /** Where the customer's CNAME must point, for messages. */
  cnameTarget: string;
  hostname: string;
}

interface Verdict {
  ok: boolean;
  reason: Reason;
  message: string;
}

const ACTIVE = "active";

function because(errors: readonly string[]): string {
  return errors.length > 0 ? ` Cloudflare says: ${errors.join("; ")}` : "";
}

/** Hostname ownership, from Cloudflare's `status` (docs/cloudflare-api.md#hostname-status). */
export function ownershipVerdict(state: CloudflareState): Verdict {
  const status = state.hostnameStatus;
  const errors = because(state.verificationErrors);
  switch (status) {
    case ACTIVE:
      return { ok: true, reason: "Active", message: "Cloudflare verified the hostname" };
    case "active_redeploying":
      return {
        ok: true,
        reason: "Redeploying",
        message: "the hostname is active; Cloudflare is redeploying a change",
      };
    case "blocked":
    case "pending_blocked":
    case "test_blocked":
      return {
        ok: false,
        reason: "Blocked",
        message: `Cloudflare blocked the hostname (${status}): flagged for abuse or its domain is on hold in another zone; only Cloudflare support can lift it.${errors}`,
      };
    case "moved":
      return {
        ok: false,
        reason: "Moved",
        message: `the hostname no longer points to this zone, so Cloudflare stopped validating it; point ${state.hostname} back to ${state.cnameTarget}, then ask Cloudflare to check again: set the annotation cfsaas.dev/refresh to a new value.${errors}`,
      };
    case "deleted":
    case "pending_deletion":
      return {
        ok: false,
        reason: "Deleted",
        message: `Cloudflare is removing the hostname (${status}), typically after 7 days without validation.${errors}`,
      };
    case undefined:
      return { ok: false, reason: "NotObserved", message: "Cloudflare has not been read yet" };
    default:
      return {
        ok: false,
        reason: "PendingValidation",
        message: `Cloudflare is waiting to verify ownership (${status}): create the CNAME ${state.hostname} → ${state.cnameTarget}, or the TXT record / HTTP token listed in status.${errors}`,
      };
  }
}

const certificateReasons: Record<string, { reason: Reason; message: string }> = {
  initializing: { reason: "Initializing", message: "Cloudflare is preparing the certificate order" },
  pending_validation: {
    reason: "PendingCertificateValidation",
    message:
      "the certificate authority is waiting for domain control validation: publish the records in status.dnsRecords (purpose CertificateValidation) or serve status.httpValidations",
  },
  pending_issuance: {
    reason: "PendingIssuance",
    message: "validation passed; the certificate authority is issuing the certificate",
  },
  pending_deployment: {
    reason: "PendingDeployment",
    message: "the certificate is issued and being deployed to Cloudflare's edge",
  },
  expired: {
    reason: "CertificateExpired",
    message:
      "the certificate expired; Cloudflare could not renew it — publish the current validation records",
  },
};

/** Certificate validation, from Cloudflare's `ssl.status` (docs/cloudflare-api.md#certificate-status). */
export function certificateVerdict(state: CloudflareState): Verdict {
  const status = state.sslStatus;
  const errors = because(state.validationErrors);
  if (status === ACTIVE)
    return { ok: true, reason: "Active", message: "the certificate is active on Cloudflare's edge" };
  if (status === undefined)
    return { ok: false, reason: "NotObserved", message: "Cloudflare reported no certificate yet" };
  const known = certificateReasons[status];
  if (known) return { ok: false, reason: known.reason, message: `${known.message} (${status}).${errors}` };
  if (status.endsWith("_timed_out")) {
    return {
      ok: false,
      reason: "CertificateTimedOut",
      message: `Cloudflare gave up on the certificate (${status}); fix DNS, then ask Cloudflare to check again: set the annotation cfsaas.dev/refresh to a new value.${errors}`,
    };
  }
  return { ok: false, reason: "CertificateNotActive", message: `the certificate is ${status}.${errors}` };
}

/** Ready, OwnershipVerified and CertificateIssued for one Cloudflare state. */
export function cloudflareConditions(state: CloudflareState): ReasonedCondition[] {
  const ownership = ownershipVerdict(state);
  const certificate = certificateVerdict(state);
  const issued = certificate.ok || state.sslStatus === "pending_deployment";
  const ready =
    state.hostnameStatus === ACTIVE && state.sslStatus === ACTIVE
      ? {
          status: "True" as const,
          reason: Reason.Active,
          message: `${state.hostname} is active with its certificate`,
        }
      : { status: "False" as const, ...(ownership.ok && !certificate.ok ? certificate : ownership) };
  return [
    { type: ConditionType.Ready, status: ready.status, reason: ready.reason, message: ready.message },
    {
      type: ConditionType.OwnershipVerified,
      status: ownership.ok ? "True" : "False",
      reason: ownership.reason,
      message: ownership.message,
    },
    {
      type: ConditionType.CertificateIssued,
      status: issued ? "True" : "False",
      reason: certificate.reason,
      message: certificate.message,
    },
  ];
}
