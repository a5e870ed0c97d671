import { describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  fallbackOriginManifest,
  getObject,
  metricValue,
  scrape,
  useOperatorWorld,
  waitLong,
} from "../support/operator.ts";

describe("the operator's metrics and health endpoints, scraped while it works", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, {
    // An identity with no permissions yet: its informers cannot sync until it is granted access.
    operator: { kubeconfig: () => cluster.plane.kubeconfigFor("cfsaas-observed-operator") },
  });

  it("answers /healthz at once and /readyz 503 until its informers have synced", async () => {
    expect((await fetch(`${env.operator.metricsUrl}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${env.operator.metricsUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toMatch(/informer not synced/);

    const granted = await cluster.kubectl([
      "create",
      "clusterrolebinding",
      "observed-operator",
      "--clusterrole=cluster-admin",
      "--user=cfsaas-observed-operator",
    ]);
    expect(granted.code, granted.stderr).toBe(0);
    await vi.waitFor(
      async () => expect((await fetch(`${env.operator.metricsUrl}/readyz`)).status).toBe(200),
      waitLong,
    );
  });

  it("counts a created hostname, a pending one, then its readiness and certificate expiry", async () => {
    await applyManifest(cluster, fallbackOriginManifest(env.world));
    const namespace = await cluster.namespace("metrics");
    await applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name: "shop", namespace },
      spec: { hostname: "shop.metrics-customer.com", fallbackOriginRef: { name: "saas-zone" } },
    });
    await vi.waitFor(async () => {
      const text = await scrape(env.operator.metricsUrl);
      const created = metricValue(text, "cfsaas_cloudflare_requests_total", {
        method: "POST",
        endpoint: "/zones/:zone_id/custom_hostnames",
        code: "201",
      });
      expect(created).toBe(1);
      expect(metricValue(text, "cfsaas_custom_hostnames", { hostname_status: "pending" })).toBe(1);
      expect(metricValue(text, "cfsaas_custom_hostname_ready", { namespace, name: "shop" })).toBe(0);
    }, waitLong);
    const pending = await getObject<CustomHostname>(cluster, ["customhostname", "shop", "-n", namespace]);
    const notReadySince = pending?.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
    expect(
      metricValue(
        await scrape(env.operator.metricsUrl),
        "cfsaas_custom_hostname_not_ready_since_timestamp_seconds",
        {
          namespace,
          name: "shop",
        },
      ),
    ).toBe(Date.parse(notReadySince ?? "") / 1000);
    // The reconcile that created it logs one line quoting the cf-ray ids of its Cloudflare requests.
    const creation = env.operator.logs.find(
      (line) =>
        line.msg === "reconciled" &&
        line.key === `${namespace}/shop` &&
        Array.isArray(line.steps) &&
        line.steps.includes("create"),
    );
    expect(creation?.cfRays).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{16}-SIM$/)]));

    await env.world.setDns([
      { type: "CNAME", name: "shop.metrics-customer.com", value: "customers.saasprovider.com" },
    ]);
    let expiresAt = "";
    await vi.waitFor(async () => {
      const hostname = await getObject<CustomHostname>(cluster, ["customhostname", "shop", "-n", namespace]);
      expiresAt = hostname?.status?.certificate?.expiresAt ?? "";
      expect(expiresAt).not.toBe("");
      const text = await scrape(env.operator.metricsUrl);
      expect(metricValue(text, "cfsaas_custom_hostname_ready", { namespace, name: "shop" })).toBe(1);
    }, waitLong);
    const text = await scrape(env.operator.metricsUrl);
    expect(
      metricValue(text, "cfsaas_certificate_expiration_timestamp_seconds", { namespace, name: "shop" }),
    ).toBe(Date.parse(expiresAt) / 1000);
    expect(
      metricValue(text, "cfsaas_custom_hostname_not_ready_since_timestamp_seconds", {
        namespace,
        name: "shop",
      }),
    ).toBeUndefined();
    expect(
      metricValue(text, "cfsaas_custom_hostnames", { hostname_status: "active", ssl_status: "active" }),
    ).toBe(1);
    expect(
      metricValue(text, "cfsaas_reconcile_total", { controller: "customhostname", result: "requeue_after" }),
    ).toBeGreaterThan(0);
  });

  it("shows an injected 429 in the request counter under code 429, and recovers", async () => {
    await env.world.setFaults([
      { match: "GET /zones/:zone_id/custom_hostnames", rateLimitRate: 1, limit: 1, retryAfterSeconds: 1 },
    ]);
    // The next zone poll lists the zone and meets the 429.
    await vi.waitFor(async () => {
      const text = await scrape(env.operator.metricsUrl);
      expect(
        metricValue(text, "cfsaas_cloudflare_requests_total", {
          method: "GET",
          endpoint: "/zones/:zone_id/custom_hostnames",
          code: "429",
        }),
      ).toBe(1);
    }, waitLong);
    const polledAfter = env.operator.logs.length;
    await vi.waitFor(
      () =>
        expect(env.operator.logs.slice(polledAfter).some((line) => line.msg === "zone refreshed")).toBe(true),
      waitLong,
    );
  });
});
