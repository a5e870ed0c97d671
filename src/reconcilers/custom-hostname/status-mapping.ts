/**
 * Cloudflare's view of a hostname, copied into CustomHostname status: what the customer must publish (DNS records,
 * HTTP tokens), why validation is stuck, and the certificate. Text is cut to the CRD's limits (src/api/status-text.ts)
 * so an unusually long Cloudflare message can never make the status write fail.
 */
import type {
  Certificate,
  CustomHostnameSpec,
  CustomHostnameStatus,
  DnsRecord,
  HttpValidation,
} from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { HOSTNAME_MAX_LENGTH } from "../../api/hostname.ts";
import {
  MAX_STATUS_MESSAGES,
  STATUS_TEXT_MAX_LENGTH,
  STATUS_WORD_MAX_LENGTH,
} from "../../api/status-text.ts";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import { kubeTime } from "../../kube/status-conditions.ts";

const MAX_RECORDS = 16;
const URL_MAX_LENGTH = 2048;
const SERIAL_MAX_LENGTH = 128;

/** The fields of status that mirror Cloudflare (everything but conditions and bookkeeping). */
export type CloudflareStatusFields = Pick<
  CustomHostnameStatus,
  | "hostnameId"
  | "hostnameStatus"
  | "sslStatus"
  | "dnsRecords"
  | "httpValidations"
  | "verificationErrors"
  | "validationErrors"
  | "certificate"
>;

export function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

function word(text: string | undefined): string | undefined {
  return text === undefined ? undefined : cut(text, STATUS_WORD_MAX_LENGTH);
}

function messages(items: readonly (string | undefined)[]): string[] {
  return items
    .filter((item): item is string => item !== undefined && item !== "")
    .slice(0, MAX_STATUS_MESSAGES)
    .map((item) => cut(item, STATUS_TEXT_MAX_LENGTH));
}

/** Where the customer's CNAME must point: the object's override, else the zone's target, else the fallback origin. */
export function requiredCname(
  spec: CustomHostnameSpec,
  fallbackOrigin: FallbackOrigin,
): NonNullable<CustomHostnameStatus["requiredCNAME"]> {
  return {
    name: spec.hostname,
    target: spec.cnameTarget ?? fallbackOrigin.spec.cnameTarget ?? fallbackOrigin.spec.origin,
  };
}

/** The customer's CNAME, always first and always current (the target may change with the spec or FallbackOrigin). */
export function withRoutingRecord(
  records: readonly DnsRecord[] | undefined,
  cname: NonNullable<CustomHostnameStatus["requiredCNAME"]>,
): DnsRecord[] {
  const routing: DnsRecord = { type: "CNAME", name: cname.name, value: cname.target, purpose: "Routing" };
  return [routing, ...(records ?? []).filter((record) => record.purpose !== "Routing")].slice(0, MAX_RECORDS);
}

/** Ownership tokens matter only until the hostname is active; Cloudflare may keep sending them afterwards. */
function ownershipPending(hostname: CloudflareHostname): boolean {
  return hostname.status !== "active";
}

/**
 * The Cloudflare-mirrored fields. `dnsRecords` holds only the TXT records Cloudflare asks for; the routing CNAME,
 * which does not depend on Cloudflare, is put first by withRoutingRecord.
 */
export function cloudflareFields(hostname: CloudflareHostname): CloudflareStatusFields {
  const ssl = hostname.ssl;
  const records: DnsRecord[] = [];
  const ownership = hostname.ownership_verification;
  if (ownershipPending(hostname) && ownership?.name && ownership.value) {
    records.push({
      type: "TXT",
      name: cut(ownership.name, HOSTNAME_MAX_LENGTH),
      value: cut(ownership.value, STATUS_TEXT_MAX_LENGTH),
      purpose: "OwnershipVerification",
    });
  }
  const validations: HttpValidation[] = [];
  const ownershipHttp = hostname.ownership_verification_http;
  if (ownershipPending(hostname) && ownershipHttp?.http_url && ownershipHttp.http_body) {
    validations.push({
      url: cut(ownershipHttp.http_url, URL_MAX_LENGTH),
      body: cut(ownershipHttp.http_body, STATUS_TEXT_MAX_LENGTH),
      purpose: "OwnershipVerification",
    });
  }
  for (const record of ssl?.validation_records ?? []) {
    if (record.txt_name && record.txt_value) {
      records.push({
        type: "TXT",
        name: cut(record.txt_name, HOSTNAME_MAX_LENGTH),
        value: cut(record.txt_value, STATUS_TEXT_MAX_LENGTH),
        purpose: "CertificateValidation",
      });
    }
    if (record.http_url && record.http_body) {
      validations.push({
        url: cut(record.http_url, URL_MAX_LENGTH),
        body: cut(record.http_body, STATUS_TEXT_MAX_LENGTH),
        purpose: "CertificateValidation",
      });
    }
  }
  return {
    hostnameId: word(hostname.id),
    hostnameStatus: word(hostname.status),
    sslStatus: word(ssl?.status),
    dnsRecords: records.slice(0, MAX_RECORDS - 1),
    httpValidations: validations.slice(0, MAX_RECORDS),
    verificationErrors: messages(hostname.verification_errors ?? []),
    validationErrors: messages((ssl?.validation_errors ?? []).map((error) => error.message)),
    // Always present (maybe undefined), so a certificate Cloudflare no longer reports leaves status too.
    certificate: issuedCertificate(hostname),
  };
}

function issuedCertificate(hostname: CloudflareHostname): Certificate | undefined {
  const ssl = hostname.ssl;
  if (!ssl || (ssl.issuer === undefined && ssl.serial_number === undefined && ssl.expires_on === undefined)) {
    return undefined;
  }
  const expires = ssl.expires_on === undefined ? Number.NaN : Date.parse(ssl.expires_on);
  const certificate: Certificate = {};
  // "" means "Cloudflare's default CA": not a name worth showing.
  if (ssl.certificate_authority) certificate.authority = word(ssl.certificate_authority);
  if (ssl.issuer !== undefined) certificate.issuer = cut(ssl.issuer, STATUS_TEXT_MAX_LENGTH);
  if (ssl.serial_number !== undefined) certificate.serialNumber = cut(ssl.serial_number, SERIAL_MAX_LENGTH);
  if (!Number.isNaN(expires)) certificate.expiresAt = kubeTime(new Date(expires));
  return certificate;
}
