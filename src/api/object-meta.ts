import { z } from "zod";
import { TimestampSchema } from "./timestamp.ts";

const ownerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

// Loose: the API server adds fields (managedFields, …) the operator passes through without reading.
const objectMetaShape = {
  name: z.string().min(1).max(253),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().min(0).optional(),
  creationTimestamp: TimestampSchema.optional(),
  deletionTimestamp: TimestampSchema.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
};

/** Metadata of a cluster-scoped object (FallbackOrigin). */
export const ClusterObjectMetaSchema = z.looseObject(objectMetaShape);

/** Metadata of a namespaced object (CustomHostname): the namespace is always set on stored objects. */
export const NamespacedObjectMetaSchema = z.looseObject({
  ...objectMetaShape,
  namespace: z.string().min(1).max(63),
});

export type ObjectMeta = z.infer<typeof ClusterObjectMetaSchema>;
export type NamespacedObjectMeta = z.infer<typeof NamespacedObjectMetaSchema>;
