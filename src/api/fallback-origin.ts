import { z } from "zod";
import { ConditionsSchema } from "./conditions.ts";
import { API_GROUP_VERSION } from "./group.ts";
import { HostnameSchema } from "./hostname.ts";
import { ClusterObjectMetaSchema } from "./object-meta.ts";
import { ObjectReferenceSchema } from "./object-reference.ts";
import { StatusMessagesSchema, StatusWordSchema } from "./status-text.ts";
import { TimestampSchema } from "./timestamp.ts";

export const FALLBACK_ORIGIN_KIND = "FallbackOrigin";
export const FALLBACK_ORIGIN_PLURAL = "fallbackorigins";

export const ZONE_ID_PATTERN = "^[0-9a-f]{32}$";
export const MANAGEMENT_POLICIES = ["Manage", "Observe"] as const;
export const FALLBACK_ORIGIN_DELETION_POLICIES = ["Retain", "Delete"] as const;

export const ZoneIdSchema = z
  .string()
  .max(32)
  .regex(new RegExp(ZONE_ID_PATTERN), "must be a Cloudflare zone id: 32 lowercase hexadecimal characters");

export const FallbackOriginSpecSchema = z.object({
  zoneId: ZoneIdSchema,
  origin: HostnameSchema,
  cnameTarget: HostnameSchema.optional(),
  credentialsRef: ObjectReferenceSchema,
  managementPolicy: z.enum(MANAGEMENT_POLICIES).default("Manage"),
  deletionPolicy: z.enum(FALLBACK_ORIGIN_DELETION_POLICIES).default("Retain"),
});

export const FallbackOriginStatusSchema = z.object({
  originStatus: StatusWordSchema.optional(),
  errors: StatusMessagesSchema.optional(),
  conditions: ConditionsSchema.optional(),
  observedGeneration: z.number().int().min(0).optional(),
  lastSyncTime: TimestampSchema.optional(),
});

export const FallbackOriginSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal(FALLBACK_ORIGIN_KIND),
  metadata: ClusterObjectMetaSchema,
  spec: FallbackOriginSpecSchema,
  status: FallbackOriginStatusSchema.optional(),
});

export type FallbackOrigin = z.infer<typeof FallbackOriginSchema>;
export type FallbackOriginSpec = z.infer<typeof FallbackOriginSpecSchema>;
export type FallbackOriginStatus = z.infer<typeof FallbackOriginStatusSchema>;
export type ManagementPolicy = FallbackOriginSpec["managementPolicy"];
