import type { CustomHostname } from "../../api/custom-hostname.ts";
import type { FallbackOrigin } from "../../api/fallback-origin.ts";
import { type Informer, objectKey } from "../../kube/informer.ts";
import type { ConflictingClaim } from "../model.ts";

/** A claimant's zone, through its FallbackOrigin in the cache: the `zoneOf` of `HostnameClaims.conflictFor`. */
export const zoneThroughOrigin =
  (origins: Informer<FallbackOrigin>) =>
  (claimant: CustomHostname): string | undefined =>
    origins.get(claimant.spec.fallbackOriginRef.name)?.spec.zoneId;

/**
 * Which CustomHostnames claim which hostname, kept current from informer events so a conflict check costs a
 * map lookup instead of a scan of every object in the cluster.
 */
export class HostnameClaims {
  readonly #keysByHostname = new Map<string, Map<string, CustomHostname>>();
  readonly #hostnameByKey = new Map<string, string>();

  upsert(object: CustomHostname): void {
    const key = objectKey(object);
    this.remove(object);
    const hostname = object.spec.hostname;
    let claimants = this.#keysByHostname.get(hostname);
    if (!claimants) {
      claimants = new Map();
      this.#keysByHostname.set(hostname, claimants);
    }
    claimants.set(key, object);
    this.#hostnameByKey.set(key, hostname);
  }

  remove(object: CustomHostname): void {
    const key = objectKey(object);
    const hostname = this.#hostnameByKey.get(key);
    if (hostname === undefined) return;
    this.#hostnameByKey.delete(key);
    const claimants = this.#keysByHostname.get(hostname);
    claimants?.delete(key);
    if (claimants?.size === 0) this.#keysByHostname.delete(hostname);
  }

  /**
   * The claimant that wins over `object` for the same hostname in the same zone, if any: one already holding
   * a Cloudflare id beats one that does not (it owns the hostname), then the older object, then the name.
   */
  conflictFor(
    object: CustomHostname,
    zoneOf: (claimant: CustomHostname) => string | undefined,
  ): ConflictingClaim | undefined {
    const zone = zoneOf(object);
    if (zone === undefined) return undefined;
    const rank = (claimant: CustomHostname) =>
      [
        claimant.status?.hostnameId ? 0 : 1,
        claimant.metadata.creationTimestamp ?? "",
        objectKey(claimant),
      ] as const;
    const mine = rank(object);
    let winner: CustomHostname | undefined;
    for (const claimant of this.#keysByHostname.get(object.spec.hostname)?.values() ?? []) {
      if (objectKey(claimant) === objectKey(object) || zoneOf(claimant) !== zone) continue;
      if (claimant.metadata.deletionTimestamp && !claimant.status?.hostnameId) continue;
      const theirs = rank(claimant);
      if (compare(theirs, mine) < 0 && (!winner || compare(theirs, rank(winner)) < 0)) winner = claimant;
    }
    return winner
      ? { kind: "CustomHostname", namespace: winner.metadata.namespace, name: winner.metadata.name }
      : undefined;
  }
}

function compare(a: readonly [number, string, string], b: readonly [number, string, string]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}
