import pino, { type DestinationStream, type Logger } from "pino";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import { KubeApiError } from "../kube/api-client.ts";

/**
 * Every place a credential could end up in a log call. The operator never logs a secret on purpose; these
 * paths catch a header object or a Secret's data logged by mistake.
 */
export const redactedPaths = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  'headers["x-auth-key"]',
  '*.headers["x-auth-key"]',
  '["x-auth-key"]',
  // Redact paths are case-sensitive, and a header object built by hand keeps whatever casing it was given.
  "Authorization",
  "*.Authorization",
  "headers.Authorization",
  "*.headers.Authorization",
  'headers["X-Auth-Key"]',
  '*.headers["X-Auth-Key"]',
  '["X-Auth-Key"]',
  "apiToken",
  "*.apiToken",
  "apiKey",
  "*.apiKey",
  "token",
  "*.token",
  // Not a top-level "key": that is the reconciled object's namespace/name.
  "*.key",
  "data",
  "*.data",
  "stringData",
  "*.stringData",
];

export function createLogger(options: { level?: string } = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { name: "cfsaas-operator" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: "[REDACTED]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Safe, structured fields for any error: what failed and how, without stacks or request internals. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof CloudflareApiError) {
    return {
      error: error.message,
      errorKind: error.kind,
      httpStatus: error.status,
      cloudflareCodes: error.codes,
      cfRay: error.requestId,
      endpoint: `${error.method} ${error.endpoint}`,
    };
  }
  if (error instanceof KubeApiError) {
    return { error: error.message, httpStatus: error.status, reason: error.reason };
  }
  if (error instanceof Error) return { error: error.message, errorName: error.name };
  return { error: String(error) };
}
