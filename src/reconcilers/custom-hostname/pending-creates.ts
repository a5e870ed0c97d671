import { ConditionType } from "../../api/conditions.ts";
import type { CustomHostname } from "../../api/custom-hostname.ts";
import { Reason } from "../../api/reasons.ts";
import { type InformerEvent, objectKey } from "../../kube/informer.ts";
import { findCondition } from "../../kube/status-conditions.ts";

/**
 * Applied and waiting for its create: not in Cloudflare yet (no hostname id), not being deleted, and not held by
 * something only the user can fix (its Ready reason is then that problem), so its create is what comes next.
 */
export function awaitsCreate(object: CustomHostname): boolean {
  if (object.metadata.deletionTimestamp || object.status?.hostnameId) return false;
  const ready = findCondition(object.status?.conditions, ConditionType.Ready);
  return ready === undefined || ready.reason === Reason.Queued;
}

/**
 * The CustomHostnames waiting for their create, kept from the informer's events so that the count costs nothing:
 * while there are any, validation checks and zone listings give way to them (next-check.ts).
 */
export class PendingCreates {
  readonly #keys = new Set<string>();

  get count(): number {
    return this.#keys.size;
  }

  observe(event: InformerEvent<CustomHostname>): void {
    const key = objectKey(event.object);
    if (event.type !== "deleted" && awaitsCreate(event.object)) this.#keys.add(key);
    else this.#keys.delete(key);
  }
}
