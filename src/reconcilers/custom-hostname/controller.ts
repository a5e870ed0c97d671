/**
 * The CustomHostname controller as the manager registers it: what wakes a reconcile (its own objects, their
 * FallbackOrigin, that origin's credentials Secret, a zone poll), the claims index that tells conflicts apart, and
 * the zone poller it runs beside itself so most reconciles read one paged list instead of one GET each.
 */
import { ConditionType } from "../../api/conditions.ts";
import type { CustomHostname } from "../../api/custom-hostname.ts";
import type { CloudflareClient } from "../../cloudflare/index.ts";
import { Controller, type Runnable } from "../../kube/controller.ts";
import { objectKey } from "../../kube/informer.ts";
import { specOrLifecycleChanged } from "../../kube/predicates.ts";
import { conditionIsTrue } from "../../kube/status-conditions.ts";
import { errorFields } from "../../logging/logger.ts";
import { listingPages, type PolledZone, ZonePoller, type ZoneSnapshot } from "../../zones/zone-poller.ts";
import type { ControllerContext } from "../context.ts";
import { olderOriginForZone } from "../fallback-origin/executor.ts";
import { HostnameClaims } from "./claims.ts";
import type { DnsLookup } from "./dns-lookups.ts";
import type { DnsRefreshPolicy } from "./dns-status.ts";
import { CustomerDnsWatcher, type DnsWatch } from "./dns-watcher.ts";
import { CustomHostnameExecutor } from "./executor.ts";
import { listingWaitsForCreates } from "./next-check.ts";
import { PendingCreates } from "./pending-creates.ts";
import { WaitingStatusWriter } from "./waiting-status.ts";

export interface CustomHostnameControllerOptions {
  zonePollIntervalMs: number;
  /** 1 in production; the demo and tests shrink Cloudflare's validation schedule to match an accelerated simulator. */
  validationScheduleScale: number;
  /** Watch the customers' DNS (docs/reference.md#watching-the-customers-dns); undefined: do not. */
  dnsWatch?: {
    resolver: DnsLookup;
    pendingIntervalMs: number;
    readyIntervalMs: number;
    refresh: DnsRefreshPolicy;
  };
}

/**
 * How long a validation check that fell due waits for a zone listing that serves many at once (scaled with the
 * validation schedule), and how often the controller counts the checks falling due.
 */
export const CHECK_BATCH_GRACE_MS = 5_000;

export const CUSTOM_HOSTNAME_CONTROLLER = "customhostname";

export function setupCustomHostnameController(
  context: ControllerContext,
  options: CustomHostnameControllerOptions,
): Runnable {
  const { caches, logger, metrics } = context;
  const { customHostnames, fallbackOrigins, secrets } = caches;
  const claims = new HostnameClaims();
  const pendingCreates = new PendingCreates();
  /** The client each polled zone was listed with, for its rate-limit headroom. */
  const pollClients = new Map<string, CloudflareClient>();

  const enqueue = (hostname: CustomHostname) => controller.queue.add(objectKey(hostname));
  const enqueueHostnamesOf = (originName: string) => {
    for (const hostname of customHostnames.list()) {
      if (hostname.spec.fallbackOriginRef.name === originName) enqueue(hostname);
    }
  };

  /** Zones that have CustomHostnames and usable credentials; a zone claimed by two origins is polled by the older. */
  const zonesToPoll = async (): Promise<PolledZone[]> => {
    const referenced = new Set(
      customHostnames.list().map((hostname) => hostname.spec.fallbackOriginRef.name),
    );
    const zones: PolledZone[] = [];
    const seen = new Set<string>();
    const origins = fallbackOrigins.list();
    for (const origin of origins) {
      if (!referenced.has(origin.metadata.name) || seen.has(origin.spec.zoneId)) continue;
      if (olderOriginForZone(origins, origin)) continue;
      const access = await context.access.forOrigin(origin);
      if (!access.client) continue;
      seen.add(origin.spec.zoneId);
      zones.push({ zoneId: origin.spec.zoneId, client: access.client });
      pollClients.set(origin.spec.zoneId, access.client);
    }
    return zones;
  };

  const refreshed = (snapshot: ZoneSnapshot) => {
    logger.debug({ zoneId: snapshot.zoneId, hostnames: snapshot.byHostname.size }, "zone refreshed");
    for (const hostname of customHostnames.list()) {
      if (fallbackOrigins.get(hostname.spec.fallbackOriginRef.name)?.spec.zoneId !== snapshot.zoneId)
        continue;
      // The snapshot can refresh what Cloudflare holds, and reveal an owned hostname deleted there. One that
      // was never created (waiting on a conflict, or refused by the plan) keeps its own requeue schedule.
      if (snapshot.byHostname.has(hostname.spec.hostname) || hostname.status?.hostnameId) enqueue(hostname);
    }
    const headroom = pollClients.get(snapshot.zoneId)?.rateLimitHeadroom();
    if (headroom) {
      metrics.setRateLimitRemaining(
        snapshot.zoneId,
        headroom.server?.remaining ?? Math.floor(headroom.tokens),
      );
    }
  };

  /** Per zone, the validation checks the last sweep found due that no listing has served yet. */
  const dueByZone = new Map<string, number>();
  /**
   * Validation checks falling due in a zone: when more are due than its listing has pages, one listing serves
   * them all (the zone's reconciles then read it; until then they wait for it, see the executor); when few are,
   * each reconcile reads its own hostname by id.
   */
  const sweepDueChecks = async () => {
    const now = Date.now();
    dueByZone.clear();
    for (const hostname of customHostnames.list()) {
      const status = hostname.status;
      if (!status?.hostnameId || conditionIsTrue(status.conditions, ConditionType.Ready)) continue;
      const due = Date.parse(status.nextCheckTime ?? "");
      if (!(due <= now)) continue;
      const zoneId = fallbackOrigins.get(hostname.spec.fallbackOriginRef.name)?.spec.zoneId;
      if (zoneId === undefined || (poller.snapshot(zoneId)?.takenAt ?? 0) >= due) continue;
      dueByZone.set(zoneId, (dueByZone.get(zoneId) ?? 0) + 1);
    }
    if (dueByZone.size === 0) return;
    for (const zone of await zonesToPoll()) {
      const due = dueByZone.get(zone.zoneId) ?? 0;
      const last = poller.snapshot(zone.zoneId);
      // What a listing costs, in pages of the size Cloudflare answered, not the size asked for.
      if (due <= (last ? listingPages(last) : 1) || listingWaits(zone, last)) continue;
      const snapshot = await poller.refresh(zone);
      if (snapshot) refreshed(snapshot);
    }
  };
  const checkGraceMs = Math.max(1, Math.round(CHECK_BATCH_GRACE_MS * options.validationScheduleScale));
  let sweeping: Promise<void> | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  /** Creates first: listings give way to them while they wait for the budget (next-check.ts). */
  const listingWaits = (zone: PolledZone, last: ZoneSnapshot | undefined): boolean =>
    listingWaitsForCreates({
      createsPending: pendingCreates.count,
      last: last && { takenAt: last.takenAt, pages: listingPages(last) },
      budget: zone.client.requestBudget,
      now: Date.now(),
    });

  const poller = new ZonePoller({
    intervalMs: options.zonePollIntervalMs,
    zones: zonesToPoll,
    postpone: listingWaits,
    onRefreshed: refreshed,
    onError: (zoneId, error) => logger.warn({ zoneId, ...errorFields(error) }, "zone poll failed"),
  });
  const dnsWatch = options.dnsWatch;
  const dnsWatcher =
    dnsWatch &&
    new CustomerDnsWatcher({
      resolver: dnsWatch.resolver,
      pendingIntervalMs: dnsWatch.pendingIntervalMs,
      readyIntervalMs: dnsWatch.readyIntervalMs,
      onChanged: (key) => {
        logger.debug({ key }, "customer DNS changed");
        controller.queue.add(key);
      },
    });
  const dns: DnsWatch | undefined = dnsWatcher &&
    dnsWatch && { watcher: dnsWatcher, refresh: dnsWatch.refresh };
  const executor = new CustomHostnameExecutor({
    api: context.api,
    hostnames: customHostnames,
    origins: fallbackOrigins,
    claims,
    access: context.access,
    poller,
    events: context.events,
    logger,
    scheduleScale: options.validationScheduleScale,
    checkGraceMs,
    checksOutnumberListing: (zoneId, snapshot) => (dueByZone.get(zoneId) ?? 0) > listingPages(snapshot),
    listingWaitMs: options.zonePollIntervalMs,
    pendingCreates: () => pendingCreates.count,
    ...(dns && { dns }),
    onState: (state) => metrics.setCustomHostnameState(state),
    onGone: (namespace, name) => metrics.forgetCustomHostname(namespace, name),
  });
  const controller = new Controller({
    name: CUSTOM_HOSTNAME_CONTROLLER,
    reconcile: (key) => executor.reconcile(key),
    workers: context.workers,
    observer: context.observer,
  });
  metrics.trackQueueDepth(CUSTOM_HOSTNAME_CONTROLLER, () => controller.queue.depth);
  const waitingStatus = new WaitingStatusWriter({
    api: context.api,
    hostnames: customHostnames,
    origins: fallbackOrigins,
    claims,
    access: context.access,
    reconciles: controller.queue,
    scheduleScale: options.validationScheduleScale,
    ...(dns && { dns }),
    observer: context.observer,
  });

  customHostnames.onEvent((event) => {
    pendingCreates.observe(event);
    if (event.type === "deleted") {
      claims.remove(event.object);
      dnsWatcher?.forget(objectKey(event.object));
      // A claimant that lost to this one may now own the hostname.
      for (const other of customHostnames.list()) {
        if (other.spec.hostname === event.object.spec.hostname) enqueue(other);
      }
    } else {
      claims.upsert(event.object);
    }
    if (event.type === "updated" && !specOrLifecycleChanged(event.old, event.object)) return;
    enqueue(event.object);
    if (event.type !== "deleted") waitingStatus.offer(event.object);
  });
  fallbackOrigins.onEvent((event) => {
    if (event.type === "resync") return;
    if (event.type === "updated" && !specOrLifecycleChanged(event.old, event.object)) return;
    enqueueHostnamesOf(event.object.metadata.name);
  });
  secrets.onEvent((event) => {
    if (event.type === "resync") return;
    for (const origin of fallbackOrigins.list()) {
      if (origin.spec.credentialsRef.name === event.object.metadata.name)
        enqueueHostnamesOf(origin.metadata.name);
    }
  });

  return {
    name: CUSTOM_HOSTNAME_CONTROLLER,
    async start() {
      // One paged list per zone before reconciling, so a restart does not cost one GET per hostname.
      await poller.start();
      controller.start();
      waitingStatus.controller.start();
      for (const hostname of customHostnames.list()) {
        enqueue(hostname);
        waitingStatus.offer(hostname);
      }
      sweeper = setInterval(
        () => {
          sweeping ??= sweepDueChecks()
            .catch((error: unknown) =>
              logger.warn({ ...errorFields(error) }, "validation check sweep failed"),
            )
            .finally(() => {
              sweeping = undefined;
            });
        },
        Math.max(100, checkGraceMs / 2),
      );
      sweeper.unref();
      dnsWatcher?.start();
    },
    async stop() {
      dnsWatcher?.stop();
      clearInterval(sweeper);
      await Promise.all([controller.stop(), waitingStatus.controller.stop()]);
      await sweeping;
      await poller.stop();
    },
  };
}
