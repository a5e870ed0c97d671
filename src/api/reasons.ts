/**
 * Every reason the operator writes, in a condition or an event: one vocabulary, part of the API users script
 * against (`kubectl wait`, alerts, Argo CD health). docs/reference.md explains each one and a test keeps that page
 * and this list equal.
 */
export const Reason = {
  // Cloudflare's state of a custom hostname and its certificate.
  Active: "Active",
  PendingValidation: "PendingValidation",
  Redeploying: "Redeploying",
  Blocked: "Blocked",
  Moved: "Moved",
  Deleted: "Deleted",
  NotObserved: "NotObserved",
  Initializing: "Initializing",
  PendingCertificateValidation: "PendingCertificateValidation",
  PendingIssuance: "PendingIssuance",
  PendingDeployment: "PendingDeployment",
  CertificateExpired: "CertificateExpired",
  CertificateTimedOut: "CertificateTimedOut",
  CertificateNotActive: "CertificateNotActive",
  // The customer's DNS as the operator resolves it (DNSConfigured).
  RecordsFound: "RecordsFound",
  CnameMissing: "CnameMissing",
  CnameMismatch: "CnameMismatch",
  CnameLoop: "CnameLoop",
  TxtRecordMissing: "TxtRecordMissing",
  CustomerDNSMovedAway: "CustomerDNSMovedAway",
  DNSLookupFailed: "DNSLookupFailed",
  // Cloudflare's state of a fallback origin.
  Pending: "Pending",
  DeploymentTimedOut: "DeploymentTimedOut",
  PendingDeletion: "PendingDeletion",
  DeletionTimedOut: "DeletionTimedOut",
  NotActive: "NotActive",
  OriginNotSet: "OriginNotSet",
  // Waiting for the operator's own Cloudflare request budget.
  Queued: "Queued",
  // What blocks the operator until the user acts.
  FallbackOriginNotFound: "FallbackOriginNotFound",
  Conflict: "Conflict",
  SecretNotFound: "SecretNotFound",
  InvalidSecret: "InvalidSecret",
  InvalidCredentials: "InvalidCredentials",
  Unauthorized: "Unauthorized",
  CredentialsCheckFailed: "CredentialsCheckFailed",
  // A failed Cloudflare call.
  CloudflareUnavailable: "CloudflareUnavailable",
  InvalidHostname: "InvalidHostname",
  EntitlementMissing: "EntitlementMissing",
  QuotaExceeded: "QuotaExceeded",
  InvalidSslSettings: "InvalidSslSettings",
  HostnameImmutable: "HostnameImmutable",
  DuplicateHostname: "DuplicateHostname",
  NotFound: "NotFound",
  CloudflareError: "CloudflareError",
  // Deletion.
  DeletionBlocked: "DeletionBlocked",
  DeletionFailed: "DeletionFailed",
  // The Synced condition when all went well.
  Synced: "Synced",
  // What the operator did (events only).
  Created: "Created",
  Adopted: "Adopted",
  Updated: "Updated",
  DriftCorrected: "DriftCorrected",
  Refreshed: "Refreshed",
  RefreshedOnDNSChange: "RefreshedOnDNSChange",
  RecreatedInCloudflare: "RecreatedInCloudflare",
  Retained: "Retained",
  OriginUpdated: "OriginUpdated",
  OriginDeleted: "OriginDeleted",
  // What a source reports on a route (events only; docs/sources.md).
  InvalidAnnotation: "InvalidAnnotation",
  HostnameRemoved: "HostnameRemoved",
  HostnameReady: "HostnameReady",
  HostnameFailed: "HostnameFailed",
} as const;

export type Reason = (typeof Reason)[keyof typeof Reason];
