import { ApiError } from "./api-error.ts";

export const DCV_METHODS = ["http", "txt", "email"] as const;
export const CERTIFICATE_AUTHORITIES = ["digicert", "google", "lets_encrypt", "ssl_com"] as const;
export const BUNDLE_METHODS = ["ubiquitous", "optimal", "force"] as const;
const ON_OFF = ["on", "off"];
const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"];
/**
 * BoringSSL cipher names Cloudflare accepts for custom hostnames
 * (https://developers.cloudflare.com/ssl/reference/cipher-suites/).
 */
const KNOWN_CIPHERS = new Set([
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-AES128-SHA256",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-ECDSA-AES256-SHA384",
  "ECDHE-RSA-AES256-SHA384",
  "ECDHE-ECDSA-AES128-SHA",
  "ECDHE-RSA-AES128-SHA",
  "AES128-GCM-SHA256",
  "AES256-GCM-SHA384",
  "AES128-SHA256",
  "AES256-SHA256",
  "AES128-SHA",
  "AES256-SHA",
  "DES-CBC3-SHA",
]);

export type DcvMethod = (typeof DCV_METHODS)[number];
export type CertificateAuthority = (typeof CERTIFICATE_AUTHORITIES)[number];
export type BundleMethod = (typeof BUNDLE_METHODS)[number];

export type SslSettings = {
  min_tls_version?: string;
  http2?: string;
  tls_1_3?: string;
  early_hints?: string;
  ciphers?: string[];
};

/** The certificate order as requested; `certificate_authority` undefined means "Cloudflare's default CA". */
export type SslRequest = {
  method: DcvMethod;
  type: "dv";
  certificate_authority?: CertificateAuthority;
  bundle_method: BundleMethod;
  wildcard: boolean;
  settings: SslSettings;
  cloudflare_branding: boolean;
};

/** What a PATCH does to the certificate (docs/cloudflare-api.md#create-edit-and-refresh). */
export type SslChange = "refresh" | "reorder" | "settings";

type RawSsl = Record<string, unknown>;

function invalid(code: number, message: string): ApiError {
  return new ApiError(400, code, message);
}

function asObject(raw: unknown, code: number, what: string): RawSsl {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw invalid(code, `${what} must be an object.`);
  return raw as RawSsl;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], code: number, field: string): T {
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw invalid(code, `Invalid ${field}: expected one of ${allowed.join(", ")}.`);
  }
  return value as T;
}

function parseSettings(raw: unknown): SslSettings {
  const input = asObject(raw, 1434, "ssl.settings");
  const settings: SslSettings = {};
  if (input.http2 !== undefined) settings.http2 = oneOf(input.http2, ON_OFF, 1422, "http2 setting");
  if (input.tls_1_3 !== undefined) settings.tls_1_3 = oneOf(input.tls_1_3, ON_OFF, 1424, "tls_1_3 setting");
  if (input.min_tls_version !== undefined) {
    settings.min_tls_version = oneOf(input.min_tls_version, TLS_VERSIONS, 1425, "min_tls_version setting");
  }
  if (input.early_hints !== undefined) {
    settings.early_hints = oneOf(input.early_hints, ON_OFF, 1434, "early_hints setting");
  }
  if (input.ciphers !== undefined) {
    const ciphers = input.ciphers;
    if (!Array.isArray(ciphers) || !ciphers.every((c) => typeof c === "string" && KNOWN_CIPHERS.has(c))) {
      throw invalid(1442, "Invalid ciphers: expected a list of supported BoringSSL cipher names.");
    }
    // TLS 1.3 cipher suites are not configurable, so a cipher list with a 1.3 minimum is refused.
    if (ciphers.length > 0 && settings.min_tls_version === "1.3") {
      throw invalid(1443, "Ciphers cannot be set when the minimum TLS version is 1.3.");
    }
    settings.ciphers = [...new Set(ciphers as string[])];
  }
  return settings;
}

function parseAuthority(raw: unknown): CertificateAuthority | undefined {
  // An empty string asks for the default CA (docs/cloudflare-api.md#create-edit-and-refresh).
  if (raw === undefined || raw === "") return undefined;
  return oneOf(raw, CERTIFICATE_AUTHORITIES, 1434, "certificate_authority");
}

function checkCommon(input: RawSsl): void {
  if (input.custom_certificate !== undefined || input.custom_key !== undefined) {
    throw invalid(1426, "Custom certificates are not supported by this simulator.");
  }
  if (input.wildcard !== undefined && typeof input.wildcard !== "boolean") {
    throw invalid(1434, "Invalid ssl attribute: wildcard must be a boolean.");
  }
}

function requireMethodAndType(input: RawSsl): { method: DcvMethod; type: "dv" } {
  if (input.method === undefined || input.type === undefined) {
    throw invalid(1440, "Both ssl.type and ssl.method are required.");
  }
  return {
    method: oneOf(input.method, DCV_METHODS, 1432, "ssl.method"),
    type: oneOf(input.type, ["dv"], 1433, "ssl.type"),
  };
}

function checkWildcardMethod(request: SslRequest): SslRequest {
  // Wildcard certificates can only be validated over TXT: Cloudflare's HTTP validation page says so; 1432 is our
  // choice of code (docs/cloudflare-api.md#create-edit-and-refresh).
  if (request.wildcard && request.method !== "txt") {
    throw invalid(1432, "Wildcard certificates must use the txt validation method.");
  }
  return request;
}

/**
 * POST: `ssl` is optional today (docs/cloudflare-api.md#create-edit-and-refresh); when given, `method` and `type`
 * come together.
 */
export function parseSslForCreate(raw: unknown): SslRequest {
  if (raw === undefined) {
    return {
      method: "http",
      type: "dv",
      bundle_method: "ubiquitous",
      wildcard: false,
      settings: {},
      cloudflare_branding: false,
    };
  }
  const input = asObject(raw, 1434, "ssl");
  checkCommon(input);
  const { method, type } = requireMethodAndType(input);
  const request: SslRequest = {
    method,
    type,
    bundle_method:
      input.bundle_method === undefined
        ? "ubiquitous"
        : oneOf(input.bundle_method, BUNDLE_METHODS, 1449, "bundle_method"),
    wildcard: input.wildcard === true,
    settings: input.settings === undefined ? {} : parseSettings(input.settings),
    cloudflare_branding: input.cloudflare_branding === true,
  };
  const authority = parseAuthority(input.certificate_authority);
  if (authority) request.certificate_authority = authority;
  return checkWildcardMethod(request);
}

/**
 * PATCH: the same method and type as now is a refresh; a new method, type, CA or wildcard flag orders a
 * new certificate, and changing the CA needs both method and type (1434;
 * docs/cloudflare-api.md#create-edit-and-refresh).
 */
export function parseSslForPatch(
  raw: unknown,
  current: SslRequest,
): { request: SslRequest; change: SslChange } {
  const input = asObject(raw, 1434, "ssl");
  checkCommon(input);
  const hasMethod = input.method !== undefined;
  const hasType = input.type !== undefined;
  if (hasMethod !== hasType) throw invalid(1440, "Both ssl.type and ssl.method are required.");
  const authority =
    input.certificate_authority === undefined
      ? current.certificate_authority
      : parseAuthority(input.certificate_authority);
  const authorityChanged = authority !== current.certificate_authority;
  if (authorityChanged && !hasMethod) {
    throw invalid(
      1434,
      "Invalid ssl attribute: changing certificate_authority requires ssl.type and ssl.method.",
    );
  }
  const methodAndType = hasMethod
    ? requireMethodAndType(input)
    : { method: current.method, type: current.type };
  const request: SslRequest = {
    ...current,
    ...methodAndType,
    bundle_method:
      input.bundle_method === undefined
        ? current.bundle_method
        : oneOf(input.bundle_method, BUNDLE_METHODS, 1449, "bundle_method"),
    wildcard: input.wildcard === undefined ? current.wildcard : input.wildcard === true,
    settings: input.settings === undefined ? current.settings : parseSettings(input.settings),
    cloudflare_branding:
      input.cloudflare_branding === undefined
        ? current.cloudflare_branding
        : input.cloudflare_branding === true,
  };
  if (authority) request.certificate_authority = authority;
  else delete request.certificate_authority;
  checkWildcardMethod(request);
  const reordered =
    request.method !== current.method ||
    request.type !== current.type ||
    authorityChanged ||
    request.wildcard !== current.wildcard;
  return { request, change: reordered ? "reorder" : hasMethod ? "refresh" : "settings" };
}
