import { z } from "zod";
import { TimestampSchema } from "./timestamp.ts";

/**
 * Condition types the controllers report, each with its reasons in docs/reference.md; `Ready` is what
 * `kubectl wait --for=condition=Ready` reads.
 */
export const ConditionType = {
  Ready: "Ready",
  Synced: "Synced",
  OwnershipVerified: "OwnershipVerified",
  CertificateIssued: "CertificateIssued",
  /** What the customer's DNS holds, as the operator resolves it (docs/reference.md#watching-the-customers-dns). */
  DNSConfigured: "DNSConfigured",
} as const;

export const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
export const MAX_CONDITIONS = 16;
export const CONDITION_MESSAGE_MAX_LENGTH = 32768;

// metav1.Condition's own validation, copied from k8s.io/apimachinery/pkg/apis/meta/v1/types.go.
export const CONDITION_TYPE_PATTERN =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";
export const CONDITION_REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

export const ConditionSchema = z.object({
  type: z.string().max(316).regex(new RegExp(CONDITION_TYPE_PATTERN)),
  status: z.enum(CONDITION_STATUSES),
  reason: z.string().min(1).max(1024).regex(new RegExp(CONDITION_REASON_PATTERN)),
  message: z.string().max(CONDITION_MESSAGE_MAX_LENGTH),
  lastTransitionTime: TimestampSchema,
  observedGeneration: z.number().int().min(0).optional(),
});

/** A list keyed by `type` (`x-kubernetes-list-type: map`), so each type appears at most once. */
export const ConditionsSchema = z
  .array(ConditionSchema)
  .max(MAX_CONDITIONS)
  .superRefine((conditions, ctx) => {
    const seen = new Set<string>();
    conditions.forEach((condition, index) => {
      if (seen.has(condition.type)) {
        ctx.addIssue({
          code: "custom",
          path: [index, "type"],
          message: `duplicate condition type ${condition.type}`,
        });
      }
      seen.add(condition.type);
    });
  });

export type Condition = z.infer<typeof ConditionSchema>;
export type ConditionStatus = Condition["status"];
