import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import { findCondition } from "../../src/kube/status-conditions.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  getObject,
  metricValue,
  type OperatorProcess,
  scrape,
  startOperator,
  useOperatorWorld,
  waitLong,
} from "../support/operator.ts";

const EDITS = "PATCH /zones/:zone_id/custom_hostnames/:custom_hostname_id";
const TARGET = "customers.saasprovider.com";

/** The DNS watch against the simulator's DNS server: a customer who moves away, and resolvers that misbehave. */
describe("the operator watching its customers' DNS", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, { fallbackOrigin: true });
  let operator: OperatorProcess | undefined;
  afterEach(async () => {
    await operator?.stop();
  });

  const start = (extraArgs: string[]) =>
    startOperator({
      kubeconfig: cluster.plane.kubeconfigPath,
      cloudflareApiUrl: env.world.simulator.url,
      dnsServer: env.world.simulator.dnsServer,
      extraArgs: [
        "--dns-check-interval=1s",
        "--dns-ready-check-interval=2s",
        "--dns-timeout=300ms",
        ...extraArgs,
      ],
    });
  const apply = (namespace: string, name: string, hostname: string) =>
    applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name, namespace },
      spec: { hostname, fallbackOriginRef: { name: "saas-zone" } },
    });
  const dnsConfigured = async (namespace: string, name: string) =>
    findCondition(
      (await getObject<CustomHostname>(cluster, ["customhostname", name, "-n", namespace]))?.status
        ?.conditions,
      "DNSConfigured",
    );
  const reasons = async (namespace: string) => {
    const events = await cluster.kubectl(["get", "events.events.k8s.io", "-n", namespace, "-o", "json"]);
    return (JSON.parse(events.stdout) as { items: Array<{ reason: string; type: string }> }).items;
  };

  it("says so, with an event and a metric, when an active hostname's customer removes the CNAME", async () => {
    operator = await start([]);
    const namespace = await cluster.namespace("moved-away");
    const hostname = "shop.leaving-customer.com";
    await env.world.setDns([{ type: "CNAME", name: hostname, value: TARGET, ttl: 1 }]);
    await apply(namespace, "shop", hostname);
    await vi.waitFor(async () => {
      const object = await getObject<CustomHostname>(cluster, ["customhostname", "shop", "-n", namespace]);
      expect(findCondition(object?.status?.conditions, "Ready")?.status).toBe("True");
      expect(findCondition(object?.status?.conditions, "DNSConfigured")).toMatchObject({
        status: "True",
        reason: "RecordsFound",
      });
    }, waitLong);

    await env.world.setDns([{ type: "CNAME", name: hostname, value: "" }]);
    await vi.waitFor(async () => {
      const condition = await dnsConfigured(namespace, "shop");
      expect(condition).toMatchObject({ status: "False", reason: "CustomerDNSMovedAway" });
      expect(condition?.message).toContain(`${hostname} does not exist in DNS (NXDOMAIN)`);
      expect(condition?.message).toContain(`create CNAME ${hostname} → ${TARGET}`);
    }, waitLong);
    const object = await getObject<CustomHostname>(cluster, ["customhostname", "shop", "-n", namespace]);
    expect(object?.status?.dnsRecords?.[0]).toMatchObject({ observed: "(no record: NXDOMAIN)" });
    await vi.waitFor(async () => {
      expect(await reasons(namespace)).toContainEqual(
        expect.objectContaining({ reason: "CustomerDNSMovedAway", type: "Warning" }),
      );
    }, waitLong);
    const metrics = await scrape(operator.metricsUrl);
    expect(metricValue(metrics, "cfsaas_custom_hostname_dns_moved_away", { namespace, name: "shop" })).toBe(
      1,
    );
    expect(metricValue(metrics, "cfsaas_custom_hostnames_dns", { reason: "CustomerDNSMovedAway" })).toBe(1);

    // Back again: the condition, the metric and the alert's series follow.
    await env.world.setDns([{ type: "CNAME", name: hostname, value: TARGET, ttl: 1 }]);
    await vi.waitFor(async () => {
      expect(await dnsConfigured(namespace, "shop")).toMatchObject({
        status: "True",
        reason: "RecordsFound",
      });
      const after = await scrape(operator!.metricsUrl);
      expect(
        metricValue(after, "cfsaas_custom_hostname_dns_moved_away", { namespace, name: "shop" }),
      ).toBeUndefined();
    }, waitLong);
    expect(
      (await reasons(namespace)).filter((event) => event.reason === "CustomerDNSMovedAway"),
    ).toHaveLength(1);
  });

  it("reports a resolver that times out, fails, answers garbage or loops, without crashing or calling Cloudflare more", async () => {
    // Real-time validation schedule: a pending hostname's next Cloudflare read is a minute away, so in the
    // window below Cloudflare hears only from the zone poller, whatever DNS does.
    operator = await start(["--validation-schedule-scale=1"]);
    const namespace = await cluster.namespace("bad-dns");
    const names = {
      slow: "slow.broken-dns.com",
      failing: "failing.broken-dns.com",
      noise: "noise.broken-dns.com",
      loop: "loop.broken-dns.com",
    };
    await env.world.setDnsFaults([
      { name: names.slow, kind: "timeout" },
      { name: names.failing, kind: "servfail" },
      { name: names.noise, kind: "garbage" },
    ]);
    await env.world.setDns([
      { type: "CNAME", name: names.loop, value: "loop-b.broken-dns.com" },
      { type: "CNAME", name: "loop-b.broken-dns.com", value: names.loop },
    ]);
    for (const [name, hostname] of Object.entries(names)) await apply(namespace, name, hostname);

    const expected = {
      slow: { status: "Unknown", reason: "DNSLookupFailed", says: "timeout" },
      failing: { status: "Unknown", reason: "DNSLookupFailed", says: "servfail" },
      noise: { status: "Unknown", reason: "DNSLookupFailed", says: "malformed" },
      loop: {
        status: "False",
        reason: "CnameLoop",
        says: `${names.loop} → loop-b.broken-dns.com → ${names.loop}`,
      },
    };
    await vi.waitFor(async () => {
      for (const [name, { status, reason, says }] of Object.entries(expected)) {
        const condition = await dnsConfigured(namespace, name);
        expect(condition, name).toMatchObject({ status, reason });
        expect(condition?.message, name).toContain(says);
      }
    }, waitLong);

    const stats = await env.world.stats();
    const queries = (text: string) =>
      ["timeout", "servfail", "malformed"].reduce(
        (sum, result) => sum + (metricValue(text, "cfsaas_dns_queries_total", { type: "A", result }) ?? 0),
        0,
      );
    const queriesBefore = queries(await scrape(operator.metricsUrl));
    // This namespace's hostnames only: the first test's hostname gets its first lookup from this operator too.
    const wakeUps = () =>
      operator!.logs.filter(
        (line) => line.msg === "customer DNS changed" && String(line.key).startsWith(`${namespace}/`),
      ).length;
    const wakeUpsBefore = wakeUps();
    const windowMs = 10_000;
    await sleep(windowMs);
    const after = await env.world.stats();
    const failedQueries = queries(await scrape(operator.metricsUrl)) - queriesBefore;
    const cloudflareRequests = after.total - stats.total;
    const zonePolls =
      (after.byEndpoint["GET /zones/:zone_id/custom_hostnames"] ?? 0) -
      (stats.byEndpoint["GET /zones/:zone_id/custom_hostnames"] ?? 0);
    console.log(
      `customer-dns: in ${windowMs / 1000} s, ${failedQueries} failed DNS questions, ${wakeUps() - wakeUpsBefore} reconciles woken by DNS, ${cloudflareRequests} Cloudflare requests (${zonePolls} zone polls)`,
    );
    // The failing lookups go on, every second or two (never cached; the loop's answer is, for its TTL) …
    expect(failedQueries).toBeGreaterThanOrEqual(3 * 3);
    // … but a failure that stays the same wakes no reconcile, and Cloudflare hears nothing but the zone poller's
    // listing (and at most a FallbackOrigin look that falls in the window).
    expect(wakeUps()).toBe(wakeUpsBefore);
    expect(cloudflareRequests - zonePolls).toBeLessThanOrEqual(2);
    expect(after.byEndpoint[EDITS] ?? 0).toBe(stats.byEndpoint[EDITS] ?? 0);
    expect(operator.child.exitCode).toBeNull();
    await env.world.setDnsFaults([]);
  });
});
