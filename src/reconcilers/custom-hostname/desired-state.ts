/**
 * The Cloudflare hostname a CustomHostname's spec asks for: the create and edit bodies, and which of the fields the
 * spec sets differ in Cloudflare. Fields the spec leaves out are Cloudflare's to choose (a default bundle method, the
 * CA it picked, the zone's TLS version) and never count as drift; neither do the validation records and tokens,
 * which come and go with validation (docs/cloudflare-api.md#pitfalls).
 */
import type { CustomHostnameSpec } from "../../api/custom-hostname.ts";
import type {
  CustomHostname as CloudflareHostname,
  CreateCustomHostnameBody,
  EditCustomHostnameBody,
} from "../../cloudflare/wire.ts";

type SslOrder = NonNullable<CreateCustomHostnameBody["ssl"]>;
type SettingsOrder = NonNullable<SslOrder["settings"]>;

/** The whole desired `ssl`, type and method always included (docs/cloudflare-api.md#create-edit-and-refresh). */
export function desiredSsl(spec: CustomHostnameSpec): SslOrder {
  const { ssl } = spec;
  const settings: SettingsOrder = {};
  if (ssl.settings?.minTlsVersion !== undefined) settings.min_tls_version = ssl.settings.minTlsVersion;
  if (ssl.settings?.http2 !== undefined) settings.http2 = ssl.settings.http2;
  if (ssl.settings?.tls13 !== undefined) settings.tls_1_3 = ssl.settings.tls13;
  if (ssl.settings?.earlyHints !== undefined) settings.early_hints = ssl.settings.earlyHints;
  if (ssl.settings?.ciphers !== undefined) settings.ciphers = [...ssl.settings.ciphers];
  return {
    method: ssl.method,
    type: ssl.type,
    wildcard: ssl.wildcard,
    ...(ssl.certificateAuthority !== undefined && { certificate_authority: ssl.certificateAuthority }),
    ...(ssl.bundleMethod !== undefined && { bundle_method: ssl.bundleMethod }),
    ...(Object.keys(settings).length > 0 && { settings }),
  };
}

export function desiredEdit(spec: CustomHostnameSpec): EditCustomHostnameBody {
  return {
    ssl: desiredSsl(spec),
    ...(spec.customOriginServer !== undefined && { custom_origin_server: spec.customOriginServer }),
    ...(spec.customOriginSNI !== undefined && { custom_origin_sni: spec.customOriginSNI }),
    ...(spec.customMetadata !== undefined && { custom_metadata: { ...spec.customMetadata } }),
  };
}

export function desiredCreate(spec: CustomHostnameSpec): CreateCustomHostnameBody {
  return { hostname: spec.hostname, ...desiredEdit(spec) };
}

/** The spec fields (as the user writes them) whose value in Cloudflare differs; empty when in sync. */
export function driftedFields(spec: CustomHostnameSpec, actual: CloudflareHostname): string[] {
  const drift: string[] = [];
  const differs = (field: string, wanted: unknown, got: unknown) => {
    if (wanted !== undefined && wanted !== got) drift.push(field);
  };
  const { ssl } = spec;
  const actualSsl = actual.ssl ?? {};
  differs("ssl.method", ssl.method, actualSsl.method);
  differs("ssl.type", ssl.type, actualSsl.type);
  differs("ssl.certificateAuthority", ssl.certificateAuthority, actualSsl.certificate_authority);
  differs("ssl.bundleMethod", ssl.bundleMethod, actualSsl.bundle_method);
  // Older replies omit `wildcard` for plain hostnames; absent reads as false.
  differs("ssl.wildcard", ssl.wildcard, actualSsl.wildcard ?? false);
  const actualSettings = actualSsl.settings ?? {};
  differs("ssl.settings.minTlsVersion", ssl.settings?.minTlsVersion, actualSettings.min_tls_version);
  differs("ssl.settings.http2", ssl.settings?.http2, actualSettings.http2);
  differs("ssl.settings.tls13", ssl.settings?.tls13, actualSettings.tls_1_3);
  differs("ssl.settings.earlyHints", ssl.settings?.earlyHints, actualSettings.early_hints);
  if (ssl.settings?.ciphers !== undefined && !sameSet(ssl.settings.ciphers, actualSettings.ciphers ?? [])) {
    drift.push("ssl.settings.ciphers");
  }
  differs("customOriginServer", spec.customOriginServer, actual.custom_origin_server);
  differs("customOriginSNI", spec.customOriginSNI, actual.custom_origin_sni);
  if (spec.customMetadata !== undefined && !sameMap(spec.customMetadata, actual.custom_metadata ?? {})) {
    drift.push("customMetadata");
  }
  return drift;
}

// Cloudflare does not promise to echo ciphers in the order sent; the set is what the edge enforces.
function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}
