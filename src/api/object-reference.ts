import { z } from "zod";

export const OBJECT_NAME_MAX_LENGTH = 253;

// Kubernetes' DNS-1123 subdomain: the rule every Secret and cluster-scoped object name follows.
export const DNS1123_SUBDOMAIN_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/** A reference by name to another object (`fallbackOriginRef`, `credentialsRef`). */
export const ObjectReferenceSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(OBJECT_NAME_MAX_LENGTH)
    .regex(
      new RegExp(DNS1123_SUBDOMAIN_PATTERN),
      "must be a lowercase DNS-1123 subdomain: letters, digits, '-' and '.', starting and ending with a letter or digit",
    ),
});

export type ObjectReference = z.infer<typeof ObjectReferenceSchema>;
