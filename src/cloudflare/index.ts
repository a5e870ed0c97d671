export { type BackoffPolicy, defaultBackoffPolicy } from "./backoff.ts";
export {
  CloudflareClient,
  type CloudflareClientOptions,
  cloudflareApiBaseUrl,
  defaultPerPage,
  type ListOptions,
  sharedPools,
  sharedRateLimiters,
} from "./client.ts";
export { type Clock, systemClock } from "./clock.ts";
export { CloudflareCredentials, type CredentialsSpec } from "./credentials.ts";
export { CloudflareApiError, type CloudflareErrorKind, type CloudflareFailure, failureOf } from "./errors.ts";
export {
  type AttemptObservation,
  type AttemptObserver,
  describeEgressProxy,
  type EgressProxy,
  egressProxyFromEnv,
  type PoolLimits,
  PoolRegistry,
} from "./http.ts";
export {
  BudgetWaitAborted,
  defaultRateLimitPolicy,
  type Headroom,
  RateLimiterRegistry,
  type RateLimitPolicy,
  type RequestPriority,
} from "./rate-limiter.ts";
export { collectRequestIds } from "./request-ids.ts";
export { withRequestPriority } from "./request-priority.ts";
export { routes } from "./routes.ts";
export type {
  CreateCustomHostnameBody,
  CustomHostname,
  CustomHostnameSsl,
  EditCustomHostnameBody,
  FallbackOrigin,
  SslRequest,
  TokenVerification,
  ValidationRecord,
  Zone,
} from "./wire.ts";
