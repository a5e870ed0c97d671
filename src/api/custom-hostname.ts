import { z } from "zod";
import { ConditionsSchema } from "./conditions.ts";
import { API_GROUP_VERSION } from "./group.ts";
import {
  HOSTNAME_MAX_LENGTH,
  HOSTNAME_PATTERN,
  HostnameOrWildcardSchema,
  HostnameSchema,
  isWildcardHostname,
} from "./hostname.ts";
import { NamespacedObjectMetaSchema } from "./object-meta.ts";
import { ObjectReferenceSchema } from "./object-reference.ts";
import { StatusMessagesSchema, StatusTextSchema, StatusWordSchema } from "./status-text.ts";
import { TimestampSchema } from "./timestamp.ts";

export const CUSTOM_HOSTNAME_KIND = "CustomHostname";
export const CUSTOM_HOSTNAME_PLURAL = "customhostnames";
/**
 * Set (or change) to ask Cloudflare to re-validate the hostname, as the dashboard's "Refresh" does: the way out
 * of `moved` and `*_timed_out` without leaving GitOps. Each distinct value is acted on once.
 */
export const REFRESH_ANNOTATION = "cfsaas.dev/refresh";
/** Longer annotation values are compared (and recorded in status) by this prefix. */
export const REFRESH_VALUE_MAX_LENGTH = 253;

export const SSL_METHODS = ["http", "txt", "email"] as const;
export const SSL_TYPES = ["dv"] as const;
// The API still accepts `digicert`, but Cloudflare stopped DigiCert orders and renewals on 2023-10-26
// (developers.cloudflare.com/ssl/reference/migration-guides/digicert-update).
export const CERTIFICATE_AUTHORITIES = ["lets_encrypt", "google", "ssl_com"] as const;
export const BUNDLE_METHODS = ["ubiquitous", "optimal", "force"] as const;
export const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"] as const;
export const ON_OFF = ["on", "off"] as const;
export const CUSTOM_HOSTNAME_DELETION_POLICIES = ["Delete", "Retain"] as const;
export const DNS_RECORD_TYPES = ["CNAME", "TXT"] as const;
export const DNS_RECORD_PURPOSES = ["Routing", "OwnershipVerification", "CertificateValidation"] as const;
export const HTTP_VALIDATION_PURPOSES = ["OwnershipVerification", "CertificateValidation"] as const;

export const CIPHER_PATTERN = "^[A-Z0-9][A-Z0-9-]*$";
export const MAX_CIPHERS = 64;
export const MAX_CUSTOM_METADATA_ENTRIES = 64;
/** Cloudflare caps the whole custom_metadata JSON at 4 KB; a single value can never be longer. */
export const CUSTOM_METADATA_VALUE_MAX_LENGTH = 4096;
export const REQUEST_HOST_HEADER_SNI = ":request_host_header:";
export const CUSTOM_ORIGIN_SNI_PATTERN = `^(${REQUEST_HOST_HEADER_SNI}|${HOSTNAME_PATTERN.slice(1, -1)})$`;

// Shared word for word with the CEL rules in crds/cfsaas.dev_customhostnames.yaml (a unit test checks).
export const WILDCARD_FLAG_MESSAGE =
  'ssl.wildcard must be true when hostname starts with "*." and false otherwise';
export const WILDCARD_METHOD_MESSAGE =
  'a wildcard hostname ("*.") needs ssl.method txt: Cloudflare validates wildcard certificates only through TXT records';
export const CIPHERS_WITH_TLS13_MESSAGE =
  'ciphers cannot be set when minTlsVersion is "1.3": TLS 1.3 cipher suites are fixed (Cloudflare error 1443)';

export const TlsSettingsSchema = z
  .object({
    minTlsVersion: z.enum(TLS_VERSIONS).optional(),
    http2: z.enum(ON_OFF).optional(),
    tls13: z.enum(ON_OFF).optional(),
    earlyHints: z.enum(ON_OFF).optional(),
    ciphers: z
      .array(z.string().max(64).regex(new RegExp(CIPHER_PATTERN)))
      .max(MAX_CIPHERS)
      .optional(),
  })
  .superRefine((settings, ctx) => {
    if (settings.minTlsVersion === "1.3" && (settings.ciphers?.length ?? 0) > 0) {
      ctx.addIssue({ code: "custom", path: ["ciphers"], message: CIPHERS_WITH_TLS13_MESSAGE });
    }
  });

export const SslSchema = z.object({
  method: z.enum(SSL_METHODS).default("http"),
  type: z.enum(SSL_TYPES).default("dv"),
  certificateAuthority: z.enum(CERTIFICATE_AUTHORITIES).optional(),
  bundleMethod: z.enum(BUNDLE_METHODS).optional(),
  wildcard: z.boolean().default(false),
  settings: TlsSettingsSchema.optional(),
});

export const CustomHostnameSpecSchema = z
  .object({
    hostname: HostnameOrWildcardSchema,
    fallbackOriginRef: ObjectReferenceSchema,
    cnameTarget: HostnameSchema.optional(),
    // prefault, not default: the empty object is parsed, so method/type/wildcard get their defaults too.
    ssl: SslSchema.prefault({}),
    customOriginServer: HostnameSchema.optional(),
    customOriginSNI: z
      .string()
      .max(HOSTNAME_MAX_LENGTH)
      .regex(new RegExp(CUSTOM_ORIGIN_SNI_PATTERN), `must be "${REQUEST_HOST_HEADER_SNI}" or a hostname`)
      .optional(),
    customMetadata: z
      .record(z.string(), z.string().max(CUSTOM_METADATA_VALUE_MAX_LENGTH))
      .refine((metadata) => Object.keys(metadata).length <= MAX_CUSTOM_METADATA_ENTRIES, {
        message: `at most ${MAX_CUSTOM_METADATA_ENTRIES} entries`,
      })
      // zod cannot express the refinement in JSON Schema; say it, so the CRD comparison sees it.
      .meta({ maxProperties: MAX_CUSTOM_METADATA_ENTRIES })
      .optional(),
    deletionPolicy: z.enum(CUSTOM_HOSTNAME_DELETION_POLICIES).default("Delete"),
  })
  .superRefine((spec, ctx) => {
    const wildcard = isWildcardHostname(spec.hostname);
    if (wildcard !== spec.ssl.wildcard) {
      ctx.addIssue({ code: "custom", path: ["ssl", "wildcard"], message: WILDCARD_FLAG_MESSAGE });
    }
    if (wildcard && spec.ssl.method !== "txt") {
      ctx.addIssue({ code: "custom", path: ["ssl", "method"], message: WILDCARD_METHOD_MESSAGE });
    }
  });

export const DnsRecordSchema = z.object({
  type: z.enum(DNS_RECORD_TYPES),
  name: z.string().max(HOSTNAME_MAX_LENGTH),
  value: StatusTextSchema,
  purpose: z.enum(DNS_RECORD_PURPOSES),
  /** What the record resolves to in the customer's DNS (equal to `value` when right), when DNS is watched. */
  observed: StatusTextSchema.optional(),
  /** Since when it has resolved to `observed`. */
  observedAt: TimestampSchema.optional(),
});

export const HttpValidationSchema = z.object({
  url: z.string().max(2048),
  body: StatusTextSchema,
  purpose: z.enum(HTTP_VALIDATION_PURPOSES),
});

export const CertificateSchema = z.object({
  authority: StatusWordSchema.optional(),
  issuer: StatusTextSchema.optional(),
  serialNumber: z.string().max(128).optional(),
  expiresAt: TimestampSchema.optional(),
});

export const CustomHostnameStatusSchema = z.object({
  observedGeneration: z.number().int().min(0).optional(),
  conditions: ConditionsSchema.optional(),
  hostnameId: StatusWordSchema.optional(),
  hostnameStatus: StatusWordSchema.optional(),
  sslStatus: StatusWordSchema.optional(),
  requiredCNAME: z
    .object({ name: z.string().max(HOSTNAME_MAX_LENGTH), target: z.string().max(HOSTNAME_MAX_LENGTH) })
    .optional(),
  dnsRecords: z.array(DnsRecordSchema).max(16).optional(),
  httpValidations: z.array(HttpValidationSchema).max(16).optional(),
  verificationErrors: StatusMessagesSchema.optional(),
  validationErrors: StatusMessagesSchema.optional(),
  certificate: CertificateSchema.optional(),
  adopted: z.boolean().optional(),
  observedRefresh: z.string().max(REFRESH_VALUE_MAX_LENGTH).optional(),
  lastSyncTime: TimestampSchema.optional(),
  nextCheckTime: TimestampSchema.optional(),
  /** When the operator last asked Cloudflare to re-validate because the customer's DNS became right. */
  dnsRefreshTime: TimestampSchema.optional(),
});

export const CustomHostnameSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal(CUSTOM_HOSTNAME_KIND),
  metadata: NamespacedObjectMetaSchema,
  spec: CustomHostnameSpecSchema,
  status: CustomHostnameStatusSchema.optional(),
});

export type CustomHostname = z.infer<typeof CustomHostnameSchema>;
export type CustomHostnameSpec = z.infer<typeof CustomHostnameSpecSchema>;
export type CustomHostnameStatus = z.infer<typeof CustomHostnameStatusSchema>;
export type Ssl = z.infer<typeof SslSchema>;
export type TlsSettings = z.infer<typeof TlsSettingsSchema>;
export type DnsRecord = z.infer<typeof DnsRecordSchema>;
export type HttpValidation = z.infer<typeof HttpValidationSchema>;
export type Certificate = z.infer<typeof CertificateSchema>;
