/**
 * Cloudflare's wire objects for the custom-hostname endpoints, derived from the official OpenAPI extract
 * (`test/fixtures/cloudflare/custom-hostnames.openapi.json`, "the 2024 extract") plus the newer fields of "the 2026
 * reference" (docs/cloudflare-api.md#gaps-in-the-2024-extract). Responses are parsed tolerantly: every status-like
 * field stays a string (Cloudflare adds enum values without notice), absent and `null` both read as `undefined`,
 * unknown keys are dropped. Request bodies, which we control, are strict.
 */
import { z } from "zod";

/** Optional in the response: `null` and a missing key mean the same thing to us. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

/** `custom_metadata` is a string map in today's API; coerce anything else so one odd value cannot block a read. */
const stringMap = z
  .record(z.string(), z.unknown())
  .transform((map) =>
    Object.fromEntries(
      Object.entries(map).map(([key, value]) => [
        key,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
    ),
  );

/** The 2024 extract types `verification_errors` items as `{}`; today's API sends strings. */
const looseStrings = z
  .array(z.unknown())
  .transform((items) => items.map((item) => (typeof item === "string" ? item : JSON.stringify(item))));

// ---- envelope -------------------------------------------------------------------------------------------------

export const apiErrorItem = z.object({
  code: z.number(),
  message: z.string(),
  documentation_url: optional(z.string()),
});
export type ApiErrorItem = z.infer<typeof apiErrorItem>;

/** The 2024 extract gives `messages` the error shape; the 2026 reference documents plain strings: accept both. */
export const apiMessage = z.union([z.string(), apiErrorItem]);

export const resultInfo = z.object({
  page: optional(z.number()),
  per_page: optional(z.number()),
  count: optional(z.number()),
  total_count: optional(z.number()),
  /** Only in the 2026 reference; the 2024 extract has no `total_pages`. */
  total_pages: optional(z.number()),
});
export type ResultInfo = z.infer<typeof resultInfo>;

/** Any Cloudflare reply, success or failure, read only for `success` and `errors` (e.g. a 4xx or a 5xx body). */
export const anyEnvelope = z.object({
  success: z.boolean(),
  errors: optional(z.array(apiErrorItem)),
  messages: optional(z.array(apiMessage)),
});

export function successEnvelope<T extends z.ZodType>(result: T) {
  return z.object({
    success: z.literal(true),
    errors: optional(z.array(apiErrorItem)),
    messages: optional(z.array(apiMessage)),
    result,
    result_info: optional(resultInfo),
  });
}

// ---- custom hostname ------------------------------------------------------------------------------------------

export const sslSettings = z.object({
  min_tls_version: optional(z.string()),
  http2: optional(z.string()),
  tls_1_3: optional(z.string()),
  early_hints: optional(z.string()),
  ciphers: optional(z.array(z.string())),
});

export const validationRecord = z.object({
  txt_name: optional(z.string()),
  txt_value: optional(z.string()),
  http_url: optional(z.string()),
  http_body: optional(z.string()),
  emails: optional(looseStrings),
  /** Added by the 2026 reference. */
  cname: optional(z.string()),
  cname_target: optional(z.string()),
  status: optional(z.string()),
});
export type ValidationRecord = z.infer<typeof validationRecord>;

export const customHostnameSsl = z.object({
  id: optional(z.string()),
  status: optional(z.string()),
  method: optional(z.string()),
  type: optional(z.string()),
  /** `""` means "default CA" (Cloudflare picks one), so this is not an enum on the way in. */
  certificate_authority: optional(z.string()),
  bundle_method: optional(z.string()),
  wildcard: optional(z.boolean()),
  settings: optional(sslSettings),
  validation_records: optional(z.array(validationRecord)),
  dcv_delegation_records: optional(z.array(validationRecord)),
  validation_errors: optional(z.array(z.object({ message: optional(z.string()) }))),
  expires_on: optional(z.string()),
  issuer: optional(z.string()),
  serial_number: optional(z.string()),
  signature: optional(z.string()),
  uploaded_on: optional(z.string()),
  hosts: optional(looseStrings),
  custom_csr_id: optional(z.string()),
});
export type CustomHostnameSsl = z.infer<typeof customHostnameSsl>;

export const customHostname = z.object({
  /** A 36-char UUID in practice; the 2024 extract reuses the 32-char identifier schema, so no length is enforced. */
  id: z.string().min(1),
  hostname: z.string().min(1),
  status: optional(z.string()),
  created_at: optional(z.string()),
  /** Required by the 2024 extract, optional in the 2026 reference (a hostname may be created without `ssl`). */
  ssl: optional(customHostnameSsl),
  custom_metadata: optional(stringMap),
  custom_origin_server: optional(z.string()),
  custom_origin_sni: optional(z.string()),
  verification_errors: optional(looseStrings),
  ownership_verification: optional(
    z.object({ type: optional(z.string()), name: optional(z.string()), value: optional(z.string()) }),
  ),
  ownership_verification_http: optional(
    z.object({ http_url: optional(z.string()), http_body: optional(z.string()) }),
  ),
});
export type CustomHostname = z.infer<typeof customHostname>;

export const customHostnameEnvelope = successEnvelope(customHostname);
export const customHostnamePageEnvelope = successEnvelope(z.array(customHostname));

/**
 * DELETE custom hostname is documented (2024 extract and 2026 reference alike) to answer a bare `{"id": …}` with no
 * envelope; unverified live, so the enveloped form is accepted too (docs/cloudflare-api.md#response-envelope).
 */
export const deletedCustomHostname = z.union([
  successEnvelope(z.object({ id: z.string() })).transform((envelope) => envelope.result),
  z.object({ id: z.string() }),
]);

// ---- fallback origin, token, zone ----------------------------------------------------------------------------

/**
 * The 2024 extract types the result as a bare `object`; the fields and status values come from the 2026 reference
 * (docs/cloudflare-api.md#fallback-origin).
 */
export const fallbackOrigin = z.object({
  origin: optional(z.string()),
  status: optional(z.string()),
  errors: optional(looseStrings),
  created_at: optional(z.string()),
  updated_at: optional(z.string()),
});
export type FallbackOrigin = z.infer<typeof fallbackOrigin>;
export const fallbackOriginEnvelope = successEnvelope(fallbackOrigin);

export const tokenVerification = z.object({
  id: z.string(),
  status: z.string(),
  not_before: optional(z.string()),
  expires_on: optional(z.string()),
});
export type TokenVerification = z.infer<typeof tokenVerification>;
export const tokenVerificationEnvelope = successEnvelope(tokenVerification);

export const zone = z.object({
  id: z.string(),
  name: z.string(),
  /** Only in the 2026 reference: initializing | pending | active | moved. */
  status: optional(z.string()),
  paused: optional(z.boolean()),
  account: optional(z.object({ id: optional(z.string()), name: optional(z.string()) })),
  name_servers: optional(z.array(z.string())),
});
export type Zone = z.infer<typeof zone>;
export const zoneEnvelope = successEnvelope(zone);

// ---- request bodies -------------------------------------------------------------------------------------------

export const dcvMethod = z.enum(["http", "txt", "email"]);
export type DcvMethod = z.infer<typeof dcvMethod>;

const sslSettingsRequest = z.strictObject({
  min_tls_version: z.enum(["1.0", "1.1", "1.2", "1.3"]).optional(),
  http2: z.enum(["on", "off"]).optional(),
  tls_1_3: z.enum(["on", "off"]).optional(),
  early_hints: z.enum(["on", "off"]).optional(),
  ciphers: z.array(z.string()).optional(),
});

export const sslRequest = z.strictObject({
  method: dcvMethod.optional(),
  type: z.literal("dv").optional(),
  settings: sslSettingsRequest.optional(),
  bundle_method: z.enum(["ubiquitous", "optimal", "force"]).optional(),
  /** `""` asks for Cloudflare's default CA. */
  certificate_authority: z.enum(["digicert", "google", "lets_encrypt", "ssl_com", ""]).optional(),
  wildcard: z.boolean().optional(),
  custom_certificate: z.string().optional(),
  custom_key: z.string().optional(),
  /** Added by the 2026 reference. */
  custom_csr_id: z.string().optional(),
  cloudflare_branding: z.boolean().optional(),
});
export type SslRequest = z.input<typeof sslRequest>;

/**
 * `ssl` as sent on create and edit: it always carries `type` and `method`. Without both, an edit gets 1434 or
 * silently ignores a CA change, and an `ssl` without both is refused with 1440
 * (docs/cloudflare-api.md#create-edit-and-refresh); `type` defaults to `dv`, its only value, so callers cannot
 * forget it.
 */
const sslOrder = sslRequest.extend({ method: dcvMethod, type: z.literal("dv").default("dv") });

export const createCustomHostnameBody = z.strictObject({
  hostname: z.string().min(1).max(255),
  /**
   * Required by the 2024 extract, optional in the 2026 reference (docs/cloudflare-api.md#create-edit-and-refresh).
   */
  ssl: sslOrder.optional(),
  custom_metadata: z.record(z.string(), z.string()).optional(),
  /** Accepted on create by the 2026 reference, not by the 2024 extract. */
  custom_origin_server: z.string().optional(),
  custom_origin_sni: z.string().optional(),
});
export type CreateCustomHostnameBody = z.input<typeof createCustomHostnameBody>;

/** PATCH accepts only these four fields: `hostname` is immutable (1439), so a rename is delete + create. */
export const editCustomHostnameBody = z.strictObject({
  ssl: sslOrder.optional(),
  custom_metadata: z.record(z.string(), z.string()).optional(),
  custom_origin_server: z.string().optional(),
  custom_origin_sni: z.string().optional(),
});
export type EditCustomHostnameBody = z.input<typeof editCustomHostnameBody>;

export const updateFallbackOriginBody = z.strictObject({ origin: z.string().min(1).max(255) });
