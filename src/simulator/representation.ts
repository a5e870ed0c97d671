import type { SimulatedClock } from "./clock.ts";
import { bareHostname, type HostnameEvaluation } from "./evaluation.ts";
import type { CertificateAuthority } from "./ssl-rules.ts";
import { CERTIFICATE_TIMING, FALLBACK_ORIGIN_DNS_ERROR, type FallbackOriginStatus } from "./state-machine.ts";
import type { FallbackOriginRecord, HostnameRecord } from "./store.ts";

/** Issuer names as Cloudflare reports them; the default CA today is Google Trust Services. */
const ISSUERS: Record<CertificateAuthority, string> = {
  google: "GoogleTrustServices",
  lets_encrypt: "LetsEncrypt",
  ssl_com: "SSLcom",
  digicert: "DigiCertInc",
};

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

function validationRecords(record: HostnameRecord): object[] {
  const host = bareHostname(record.hostname);
  const order = record.certificate;
  switch (order.request.method) {
    case "txt":
      return [{ txt_name: `_acme-challenge.${host}`, txt_value: order.txtToken }];
    case "http":
      return [
        {
          http_url: `http://${host}/.well-known/acme-challenge/${order.httpToken}`,
          http_body: `${order.httpToken}.${order.id.replaceAll("-", "")}`,
        },
      ];
    case "email": {
      const apex = host.split(".").slice(-2).join(".");
      return [
        {
          emails: ["administrator", "admin", "hostmaster", "postmaster", "webmaster"].map(
            (u) => `${u}@${apex}`,
          ),
        },
      ];
    }
  }
}

function renderSsl(
  record: HostnameRecord,
  evaluation: HostnameEvaluation,
  clock: SimulatedClock,
): Record<string, unknown> {
  const order = record.certificate;
  const { request } = order;
  const { status, issuedAt } = evaluation.certificate;
  const ssl: Record<string, unknown> = {
    id: order.id,
    type: request.type,
    method: request.method,
    status,
    bundle_method: request.bundle_method,
    wildcard: request.wildcard,
    settings: request.settings,
  };
  if (request.certificate_authority) ssl.certificate_authority = request.certificate_authority;
  // Records arrive after `initializing` and vanish once the certificate is issued
  // (docs/cloudflare-api.md#custom-hostname-fields).
  if (status === "pending_validation" || status === "validation_timed_out") {
    ssl.validation_records = validationRecords(record);
  }
  if (issuedAt !== undefined) {
    ssl.issuer = ISSUERS[request.certificate_authority ?? "google"];
    ssl.serial_number = order.serialNumber;
    ssl.signature = "ECDSAWithSHA256";
    // Issued at a (wall-clock) instant, valid for a real 90 days: expiry alerts see realistic dates.
    ssl.uploaded_on = iso(clock.wall(issuedAt));
    ssl.expires_on = iso(clock.wall(issuedAt) + CERTIFICATE_TIMING.lifetime);
    ssl.hosts = request.wildcard ? [record.hostname, bareHostname(record.hostname)] : [record.hostname];
  }
  return ssl;
}

export function renderHostname(
  record: HostnameRecord,
  evaluation: HostnameEvaluation,
  clock: SimulatedClock,
): Record<string, unknown> {
  const { ownership } = evaluation;
  const body: Record<string, unknown> = {
    id: record.id,
    hostname: record.hostname,
    ssl: renderSsl(record, evaluation, clock),
    status: ownership.status,
    created_at: iso(clock.wall(record.createdAt)),
  };
  if (ownership.verificationErrors.length > 0) body.verification_errors = ownership.verificationErrors;
  // Ownership tokens are shown until the hostname is active, then dropped like the real API does.
  if (ownership.status !== "active") {
    const host = bareHostname(record.hostname);
    body.ownership_verification = {
      type: "txt",
      name: `_cf-custom-hostname.${host}`,
      value: record.ownershipToken,
    };
    body.ownership_verification_http = {
      http_url: `http://${host}/.well-known/cf-custom-hostname-challenge/${record.id}`,
      http_body: record.ownershipHttpBody,
    };
  }
  if (record.customMetadata) body.custom_metadata = record.customMetadata;
  if (record.customOriginServer) body.custom_origin_server = record.customOriginServer;
  if (record.customOriginSni) body.custom_origin_sni = record.customOriginSni;
  return body;
}

export function renderFallbackOrigin(
  record: FallbackOriginRecord,
  status: FallbackOriginStatus | "pending_deletion",
  clock: SimulatedClock,
): Record<string, unknown> {
  return {
    origin: record.origin,
    status,
    errors: record.routable ? [] : [FALLBACK_ORIGIN_DNS_ERROR],
    created_at: iso(clock.wall(record.createdAt)),
    updated_at: iso(clock.wall(record.updatedAt)),
  };
}
