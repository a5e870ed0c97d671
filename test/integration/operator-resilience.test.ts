import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  metricValue,
  type OperatorProcess,
  scrape,
  startOperator,
  useOperatorWorld,
} from "../support/operator.ts";

const fastBudget = ["--request-budget=100000/300", "--workers=8"];

describe("the operator under crashes, replicas and a large fleet", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, {
    simulator: { rateLimit: { requests: 100_000, windowSeconds: 300 } },
    fallbackOrigin: true,
  });
  const running: OperatorProcess[] = [];

  afterEach(async () => {
    // SIGTERM releases the Lease, so the next test's operator leads at once instead of waiting out its duration.
    for (const operator of running.splice(0)) await operator.stop("SIGTERM");
  });

  async function launch(extraArgs: string[] = []): Promise<OperatorProcess> {
    const operator = await startOperator({
      kubeconfig: cluster.plane.kubeconfigPath,
      cloudflareApiUrl: env.world.simulator.url,
      extraArgs: [...fastBudget, ...extraArgs],
    });
    running.push(operator);
    return operator;
  }

  async function applyFleet(namespace: string, prefix: string, count: number): Promise<string[]> {
    const hostnames = Array.from({ length: count }, (_, i) => `${prefix}-${i}.fleet-customer.com`);
    const manifest = {
      apiVersion: "v1",
      kind: "List",
      items: hostnames.map((hostname, i) => ({
        apiVersion: "cfsaas.dev/v1alpha1",
        kind: "CustomHostname",
        metadata: { name: `${prefix}-${i}`, namespace },
        spec: { hostname, fallbackOriginRef: { name: "saas-zone" } },
      })),
    };
    await applyManifest(cluster, manifest);
    await env.world.setDns(
      hostnames.map((name) => ({ type: "CNAME" as const, name, value: "customers.saasprovider.com" })),
    );
    return hostnames;
  }

  async function readyCount(namespace: string): Promise<{ ready: number; items: CustomHostname[] }> {
    const result = await cluster.kubectl(["get", "customhostnames", "-n", namespace, "-o", "json"]);
    const items = (JSON.parse(result.stdout) as { items: CustomHostname[] }).items;
    const ready = items.filter((item) =>
      item.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );
    return { ready: ready.length, items };
  }

  async function inCloudflare(prefix: string) {
    return (await env.world.cloudflareHostnames()).filter((h) => h.hostname.startsWith(`${prefix}-`));
  }

  it("ends with exactly one Cloudflare hostname per resource, all Ready, after SIGKILLs at random moments", async () => {
    const namespace = await cluster.namespace("chaos");
    // Each replacement must start working at once, mid-way through the previous one's work. With leader election a
    // SIGKILLed leader's Lease keeps its successor waiting for the Lease duration, so the kills would only hit
    // standbys; one process at a time needs no election (the test below covers it).
    const launchAlone = () => launch(["--leader-elect=false"]);
    let operator = await launchAlone();
    const hostnames = await applyFleet(namespace, "chaos", 50);
    const seed = Date.now() % 100_000;
    let state = seed;
    const random = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    console.log(`chaos seed ${seed}`);
    for (let kill = 0; kill < 4; kill++) {
      await sleep(200 + random() * 1_500);
      await operator.stop("SIGKILL");
      running.splice(running.indexOf(operator), 1);
      operator = await launchAlone();
    }
    await vi.waitFor(async () => expect((await readyCount(namespace)).ready).toBe(50), {
      timeout: 120_000,
      interval: 500,
    });
    const cloudflare = await inCloudflare("chaos");
    expect(cloudflare.map((h) => h.hostname).sort()).toEqual([...hostnames].sort());
    const { items } = await readyCount(namespace);
    const ids = new Map(cloudflare.map((h) => [h.hostname, h.id]));
    for (const item of items) expect(item.status?.hostnameId).toBe(ids.get(item.spec.hostname));
  });

  it("runs two replicas started without any flag with exactly one leader, which alone writes to Cloudflare, and fails over", async () => {
    const namespace = await cluster.namespace("replicas");
    // No leader-election flag: `kubectl scale`, an HPA or a GitOps tool can add a replica without knowing of one.
    const [a, b] = [await launch(), await launch()];
    await vi.waitFor(
      () => expect([a, b].filter((op) => op.logs.some((l) => l.msg === "became leader"))).toHaveLength(1),
      {
        timeout: 30_000,
      },
    );
    const leader = a.logs.some((l) => l.msg === "became leader") ? a : b;
    const standby = leader === a ? b : a;
    const before = await env.world.stats();
    await applyFleet(namespace, "replica", 10);
    await vi.waitFor(async () => expect((await readyCount(namespace)).ready).toBe(10), {
      timeout: 60_000,
      interval: 500,
    });
    const after = await env.world.stats();
    const creates =
      (after.byEndpoint["POST /zones/:zone_id/custom_hostnames"] ?? 0) -
      (before.byEndpoint["POST /zones/:zone_id/custom_hostnames"] ?? 0);
    expect(creates).toBe(10);
    expect(metricValue(await scrape(standby.metricsUrl), "cfsaas_cloudflare_requests_total")).toBeUndefined();

    await leader.stop("SIGTERM");
    await vi.waitFor(() => expect(standby.logs.some((l) => l.msg === "became leader")).toBe(true), {
      timeout: 30_000,
    });
  });

  it("refreshes 200 active hostnames with one paged list per poll, not one request per hostname", async () => {
    const namespace = await cluster.namespace("fleet");
    const operator = await launch();
    await applyFleet(namespace, "fleet", 200);
    await vi.waitFor(async () => expect((await readyCount(namespace)).ready).toBe(200), {
      timeout: 180_000,
      interval: 1_000,
    });
    // Let reconciles triggered by the last status changes finish, then measure from one refresh to the next.
    await sleep(3_000);
    const refreshes = () => operator.logs.filter((l) => l.msg === "zone refreshed").length;
    const seen = refreshes();
    await vi.waitFor(() => expect(refreshes()).toBeGreaterThan(seen), { timeout: 10_000, interval: 50 });
    const start = await env.world.stats();
    const startRefreshes = refreshes();
    await vi.waitFor(() => expect(refreshes()).toBeGreaterThan(startRefreshes), {
      timeout: 10_000,
      interval: 50,
    });
    const end = await env.world.stats();
    const spent = end.total - start.total;
    // Earlier tests left their hostnames in the same zone: the poll lists them all.
    const inZone = (await env.world.cloudflareHostnames()).length;
    const allowed = Math.ceil(inZone / 50) + 2;
    console.log(
      `steady state: ${spent} Cloudflare requests for one refresh of ${inZone} active hostnames (allowed ${allowed})`,
      {
        byEndpoint: Object.fromEntries(
          Object.entries(end.byEndpoint)
            .map(([key, count]) => [key, count - (start.byEndpoint[key] ?? 0)])
            .filter(([, n]) => (n as number) > 0),
        ),
      },
    );
    expect(spent).toBeLessThanOrEqual(allowed);
  });
});
