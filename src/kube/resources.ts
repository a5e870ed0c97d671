import { isDeepStrictEqual } from "node:util";
import { isConflict, type KubeApiClient } from "./api-client.ts";
import type { KubeObject } from "./informer.ts";

/** Where a kind lives in the REST API. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  return type.namespaced && namespace
    ? `${base}/namespaces/${namespace}/${type.plural}`
    : `${base}/${type.plural}`;
}

export function objectPath(type: ResourceType, object: KubeObject): string {
  return `${collectionPath(type, object.metadata.namespace)}/${object.metadata.name}`;
}

/**
 * Replaces `.status` through the status subresource (client-go's UpdateStatus), and only when it differs from
 * what the object already carries: a no-op write would still bump resourceVersion and wake every watcher.
 * The copy's resourceVersion makes it a compare-and-swap: status computed from an object that has since
 * changed, or was deleted and recreated under the same name, is refused with a 409 and recomputed. (Server-side
 * apply was tried first; it ignores both uid and resourceVersion in the applied body.)
 */
export async function writeStatus<S>(
  api: KubeApiClient,
  type: ResourceType,
  object: KubeObject & { status?: S },
  status: S,
): Promise<boolean> {
  if (isDeepStrictEqual(normalize(object.status), normalize(status))) return false;
  await api.request("PUT", `${objectPath(type, object)}/status`, {
    body: { ...object, apiVersion: apiVersionOf(type), kind: type.kind, status },
  });
  return true;
}

/** Drops undefined members so `{a: undefined}` and `{}` compare equal, as they do once serialised. */
function normalize(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * Adds or removes a finalizer with a merge patch guarded by the object's resourceVersion: the list is replaced
 * whole, so a concurrent change by someone else must turn into a 409, never a lost finalizer. A 409 is met by
 * reading the object and patching that once: the copy is often stale only by a status write (a new object's
 * queued status, waiting-status.ts), and a retry through the work queue's backoff would cost the key seconds.
 * Returns the object as it is afterwards, or undefined when the cached copy needed no change.
 */
export async function setFinalizer(
  api: KubeApiClient,
  type: ResourceType,
  object: KubeObject,
  finalizer: string,
  present: boolean,
): Promise<KubeObject | undefined> {
  try {
    return await patchFinalizers(api, type, object, finalizer, present);
  } catch (error) {
    if (!isConflict(error)) throw error;
    const current = await api.request<KubeObject>("GET", objectPath(type, object));
    return (await patchFinalizers(api, type, current, finalizer, present)) ?? current;
  }
}

async function patchFinalizers(
  api: KubeApiClient,
  type: ResourceType,
  object: KubeObject,
  finalizer: string,
  present: boolean,
): Promise<KubeObject | undefined> {
  const current = object.metadata.finalizers ?? [];
  if (current.includes(finalizer) === present) return undefined;
  const finalizers = present ? [...current, finalizer] : current.filter((name) => name !== finalizer);
  return api.request<KubeObject>("PATCH", objectPath(type, object), {
    patchType: "merge",
    body: { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion } },
  });
}
