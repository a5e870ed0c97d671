import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import type { FallbackOrigin } from "../../src/api/fallback-origin.ts";
import { findCondition } from "../../src/kube/status-conditions.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  basicPlanZoneId,
  fallbackOriginManifest,
  getObject,
  metricValue,
  scrape,
  secondZoneId,
  useOperatorWorld,
  waitLong,
} from "../support/operator.ts";

describe("the operator, run as a process against a real API server and the Cloudflare simulator", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, { operator: {}, fallbackOrigin: true });

  function hostnameManifest(
    namespace: string,
    name: string,
    hostname: string,
    spec: Record<string, unknown> = {},
  ) {
    return {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name, namespace },
      spec: { hostname, fallbackOriginRef: { name: "saas-zone" }, ...spec },
    };
  }

  const getHostname = (namespace: string, name: string) =>
    getObject<CustomHostname>(cluster, ["customhostname", name, "-n", namespace]);

  it("brings the fallback origin to Ready", async () => {
    await vi.waitFor(async () => {
      const origin = await getObject<FallbackOrigin>(cluster, ["fallbackorigin", "saas-zone"]);
      expect(origin?.status?.originStatus).toBe("active");
      expect(findCondition(origin?.status?.conditions, "Ready")?.status).toBe("True");
    }, waitLong);
  });

  it("takes a hostname from apply to Ready once the customer's DNS is right, then updates and deletes it", async () => {
    const namespace = await cluster.namespace("tenant");
    await applyManifest(
      cluster,
      hostnameManifest(namespace, "app", "app.lifecycle-customer.com", {
        cnameTarget: "john.customers.saasprovider.com",
      }),
    );

    // 1. Created in Cloudflare; status tells the customer what to do.
    let pending: CustomHostname | undefined;
    await vi.waitFor(async () => {
      pending = await getHostname(namespace, "app");
      expect(pending?.status?.hostnameId).toBeTruthy();
      expect(pending?.status?.dnsRecords?.some((r) => r.purpose === "OwnershipVerification")).toBe(true);
    }, waitLong);
    expect(pending!.status!.requiredCNAME).toEqual({
      name: "app.lifecycle-customer.com",
      target: "john.customers.saasprovider.com",
    });
    // objectContaining: the DNS watch may already have added what the record resolves to.
    expect(pending!.status!.dnsRecords).toContainEqual(
      expect.objectContaining({
        type: "CNAME",
        name: "app.lifecycle-customer.com",
        value: "john.customers.saasprovider.com",
        purpose: "Routing",
      }),
    );
    expect(pending!.status!.hostnameStatus).toBe("pending");
    expect(findCondition(pending?.status?.conditions, "Ready")?.status).toBe("False");
    expect(
      (await env.world.cloudflareHostnames()).filter((h) => h.hostname === "app.lifecycle-customer.com"),
    ).toHaveLength(1);

    // 2. The customer creates the CNAME; Cloudflare validates, issues and deploys.
    await env.world.setDns([
      { type: "CNAME", name: "app.lifecycle-customer.com", value: "john.customers.saasprovider.com" },
    ]);
    let ready: CustomHostname | undefined;
    await vi.waitFor(async () => {
      ready = await getHostname(namespace, "app");
      expect(findCondition(ready?.status?.conditions, "Ready")?.status).toBe("True");
    }, waitLong);
    expect(ready!.status!.hostnameStatus).toBe("active");
    expect(ready!.status!.sslStatus).toBe("active");
    expect(ready!.status!.certificate?.expiresAt).toBeTruthy();
    expect(findCondition(ready?.status?.conditions, "OwnershipVerified")?.status).toBe("True");
    expect(findCondition(ready?.status?.conditions, "CertificateIssued")?.status).toBe("True");

    const metrics = await scrape(env.operator.metricsUrl);
    expect(
      metricValue(metrics, "cfsaas_cloudflare_requests_total", {
        method: "POST",
        endpoint: "/zones/:zone_id/custom_hostnames",
        code: "201",
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, "cfsaas_custom_hostname_ready", { namespace, name: "app" })).toBe(1);
    expect(
      metricValue(metrics, "cfsaas_certificate_expiration_timestamp_seconds", { namespace, name: "app" }),
    ).toBe(Date.parse(ready!.status!.certificate!.expiresAt!) / 1000);

    // 3. A spec change reaches Cloudflare.
    await applyManifest(
      cluster,
      hostnameManifest(namespace, "app", "app.lifecycle-customer.com", {
        cnameTarget: "john.customers.saasprovider.com",
        ssl: { settings: { minTlsVersion: "1.2" } },
      }),
    );
    await vi.waitFor(async () => {
      const [inCloudflare] = (await env.world.cloudflareHostnames()).filter(
        (h) => h.hostname === "app.lifecycle-customer.com",
      );
      expect(
        (inCloudflare as unknown as { ssl?: { settings?: { min_tls_version?: string } } }).ssl?.settings
          ?.min_tls_version,
      ).toBe("1.2");
      const updated = await getHostname(namespace, "app");
      expect(updated?.status?.observedGeneration).toBe(updated?.metadata.generation);
    }, waitLong);

    // 4. Deleting the resource deletes the hostname in Cloudflare (deletionPolicy defaults to Delete).
    expect(
      (await cluster.kubectl(["delete", "customhostname", "app", "-n", namespace, "--timeout=60s"])).code,
    ).toBe(0);
    expect(
      (await env.world.cloudflareHostnames()).filter((h) => h.hostname === "app.lifecycle-customer.com"),
    ).toEqual([]);
  });

  it("adopts a hostname that already exists in Cloudflare instead of creating a duplicate", async () => {
    const namespace = await cluster.namespace("adopt");
    const created = await fetch(`${env.world.simulator.url}/zones/${env.world.zoneId}/custom_hostnames`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.world.token}`, "content-type": "application/json" },
      body: JSON.stringify({ hostname: "adopt.existing-customer.com", ssl: { method: "http", type: "dv" } }),
    });
    const existingId = ((await created.json()) as { result: { id: string } }).result.id;
    // creationTimestamp has whole seconds: make "existed before the resource" unambiguous.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await applyManifest(cluster, hostnameManifest(namespace, "adopted", "adopt.existing-customer.com"));
    await vi.waitFor(async () => {
      const adopted = await getHostname(namespace, "adopted");
      expect(adopted?.status?.hostnameId).toBe(existingId);
      expect(adopted?.status?.adopted).toBe(true);
    }, waitLong);
    expect(
      (await env.world.cloudflareHostnames()).filter((h) => h.hostname === "adopt.existing-customer.com"),
    ).toHaveLength(1);
  });

  it("lets only the older of two resources in different namespaces own the same hostname", async () => {
    const first = await cluster.namespace("owner");
    const second = await cluster.namespace("intruder");
    await applyManifest(cluster, hostnameManifest(first, "shop", "shop.twice-claimed.com"));
    await vi.waitFor(
      async () => expect((await getHostname(first, "shop"))?.status?.hostnameId).toBeTruthy(),
      waitLong,
    );
    await applyManifest(cluster, hostnameManifest(second, "shop", "shop.twice-claimed.com"));
    await vi.waitFor(async () => {
      const loser = await getHostname(second, "shop");
      expect(findCondition(loser?.status?.conditions, "Ready")).toMatchObject({
        status: "False",
        reason: "Conflict",
      });
      expect(loser?.status?.hostnameId).toBeFalsy();
    }, waitLong);
    expect(
      (await env.world.cloudflareHostnames()).filter((h) => h.hostname === "shop.twice-claimed.com"),
    ).toHaveLength(1);
    // Deleting the loser must not delete the owner's hostname in Cloudflare.
    expect(
      (await cluster.kubectl(["delete", "customhostname", "shop", "-n", second, "--timeout=60s"])).code,
    ).toBe(0);
    expect(
      (await env.world.cloudflareHostnames()).filter((h) => h.hostname === "shop.twice-claimed.com"),
    ).toHaveLength(1);
  });

  it("leaves the hostname in Cloudflare when deletionPolicy is Retain", async () => {
    const namespace = await cluster.namespace("retain");
    await applyManifest(
      cluster,
      hostnameManifest(namespace, "kept", "kept.retained-customer.com", { deletionPolicy: "Retain" }),
    );
    await vi.waitFor(
      async () => expect((await getHostname(namespace, "kept"))?.status?.hostnameId).toBeTruthy(),
      waitLong,
    );
    expect(
      (await cluster.kubectl(["delete", "customhostname", "kept", "-n", namespace, "--timeout=60s"])).code,
    ).toBe(0);
    expect(
      (await env.world.cloudflareHostnames()).filter((h) => h.hostname === "kept.retained-customer.com"),
    ).toHaveLength(1);
  });

  it("sets drift made in Cloudflare back to the spec and reports it in an event", async () => {
    const namespace = await cluster.namespace("drift");
    await applyManifest(
      cluster,
      hostnameManifest(namespace, "drifty", "drift.customer-app.com", {
        ssl: { settings: { minTlsVersion: "1.2" } },
      }),
    );
    let id = "";
    await vi.waitFor(async () => {
      id = (await getHostname(namespace, "drifty"))?.status?.hostnameId ?? "";
      expect(id).toBeTruthy();
    }, waitLong);
    // Someone changes it in the dashboard.
    const patched = await fetch(
      `${env.world.simulator.url}/zones/${env.world.zoneId}/custom_hostnames/${id}`,
      {
        method: "PATCH",
        headers: { authorization: `Bearer ${env.world.token}`, "content-type": "application/json" },
        body: JSON.stringify({ ssl: { method: "http", type: "dv", settings: { min_tls_version: "1.0" } } }),
      },
    );
    expect(patched.ok).toBe(true);
    await vi.waitFor(async () => {
      const [inCloudflare] = (await env.world.cloudflareHostnames()).filter(
        (h) => h.hostname === "drift.customer-app.com",
      );
      expect(
        (inCloudflare as unknown as { ssl?: { settings?: { min_tls_version?: string } } }).ssl?.settings
          ?.min_tls_version,
      ).toBe("1.2");
    }, waitLong);
    await vi.waitFor(async () => {
      const events = await cluster.kubectl(["get", "events.events.k8s.io", "-n", namespace, "-o", "json"]);
      const reasons = (JSON.parse(events.stdout) as { items: Array<{ reason: string }> }).items.map(
        (e) => e.reason,
      );
      expect(reasons).toContain("DriftCorrected");
    }, waitLong);
  });

  it("reports missing, wrong and then fixed credentials without crashing, and recovers by itself", async () => {
    const origin = {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "FallbackOrigin",
      metadata: { name: "second-zone" },
      spec: {
        zoneId: secondZoneId,
        origin: "fallback.other-saas.com",
        credentialsRef: { name: "second-credentials" },
      },
    };
    const readyOf = async () =>
      findCondition(
        (await getObject<FallbackOrigin>(cluster, ["fallbackorigin", "second-zone"]))?.status?.conditions,
        "Ready",
      );
    const replaceSecret = async (literal: string) => {
      await cluster.kubectl([
        "delete",
        "secret",
        "second-credentials",
        "-n",
        "cfsaas-system",
        "--ignore-not-found",
      ]);
      const created = await cluster.kubectl([
        "create",
        "secret",
        "generic",
        "second-credentials",
        "-n",
        "cfsaas-system",
        `--from-literal=${literal}`,
      ]);
      expect(created.code, created.stderr).toBe(0);
    };
    await applyManifest(cluster, origin);
    await vi.waitFor(
      async () => expect(await readyOf()).toMatchObject({ status: "False", reason: "SecretNotFound" }),
      waitLong,
    );
    await replaceSecret("token=oops");
    await vi.waitFor(
      async () => expect(await readyOf()).toMatchObject({ status: "False", reason: "InvalidSecret" }),
      waitLong,
    );
    expect((await readyOf())?.message).toContain("apiToken");
    await replaceSecret("apiToken=not-a-real-token");
    await vi.waitFor(
      async () => expect(await readyOf()).toMatchObject({ status: "False", reason: "InvalidCredentials" }),
      waitLong,
    );
    expect(env.operator.child.exitCode).toBeNull();
    // Fixing the Secret is enough: the operator watches it and recovers without a restart.
    await replaceSecret(`apiToken=${env.world.token}`);
    await vi.waitFor(async () => expect(await readyOf()).toMatchObject({ status: "True" }), waitLong);
  });

  it("says in a condition which field the zone's plan refuses, without retrying in a loop", async () => {
    await applyManifest(cluster, {
      ...fallbackOriginManifest(env.world, "basic-zone"),
      spec: {
        ...fallbackOriginManifest(env.world).spec,
        zoneId: basicPlanZoneId,
        origin: "fallback.basic-saas.com",
      },
    });
    const namespace = await cluster.namespace("plan");
    await applyManifest(cluster, {
      ...hostnameManifest(namespace, "gold", "gold.plan-customer.com", { customMetadata: { tier: "gold" } }),
      spec: {
        hostname: "gold.plan-customer.com",
        fallbackOriginRef: { name: "basic-zone" },
        customMetadata: { tier: "gold" },
      },
    });
    await vi.waitFor(async () => {
      const refused = await getHostname(namespace, "gold");
      expect(findCondition(refused?.status?.conditions, "Synced")).toMatchObject({
        status: "False",
        reason: "EntitlementMissing",
      });
      expect(findCondition(refused?.status?.conditions, "Synced")?.message).toContain("spec.customMetadata");
    }, waitLong);
    const creates = async () =>
      (await env.world.stats()).byEndpoint["POST /zones/:zone_id/custom_hostnames"] ?? 0;
    const before = await creates();
    await sleep(3_000);
    expect(await creates()).toBeLessThanOrEqual(before + 1);

    // The same refusal for a hostname that exists: the zone poller (every 2 s) must not re-send the edit each time.
    const plain = { hostname: "silver.plan-customer.com", fallbackOriginRef: { name: "basic-zone" } };
    const silver = { ...hostnameManifest(namespace, "silver", plain.hostname), spec: plain };
    await applyManifest(cluster, silver);
    await vi.waitFor(
      async () => expect((await getHostname(namespace, "silver"))?.status?.hostnameId).toBeTruthy(),
      waitLong,
    );
    await applyManifest(cluster, { ...silver, spec: { ...plain, customMetadata: { tier: "silver" } } });
    await vi.waitFor(async () => {
      const refused = await getHostname(namespace, "silver");
      expect(findCondition(refused?.status?.conditions, "Synced")).toMatchObject({
        status: "False",
        reason: "EntitlementMissing",
      });
    }, waitLong);
    const edits = async () =>
      (await env.world.stats()).byEndpoint["PATCH /zones/:zone_id/custom_hostnames/:custom_hostname_id"] ?? 0;
    const editsBefore = await edits();
    await sleep(6_000);
    expect(await edits()).toBeLessThanOrEqual(editsBefore + 1);
  });

  it("asks Cloudflare to re-validate a moved hostname when the refresh annotation changes", async () => {
    const namespace = await cluster.namespace("refresh");
    const host = "refresh.customer-app.com";
    await applyManifest(cluster, hostnameManifest(namespace, "late", host));
    await vi.waitFor(
      async () => expect((await getHostname(namespace, "late"))?.status?.hostnameId).toBeTruthy(),
      waitLong,
    );

    // The customer never set DNS within Cloudflare's week of checks: the hostname is moved, and stays so.
    const advanced = await fetch(`${env.world.simulator.adminUrl}/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advanceSeconds: 7.5 * 86_400 }),
    });
    expect(advanced.ok).toBe(true);
    let moved: CustomHostname | undefined;
    await vi.waitFor(async () => {
      moved = await getHostname(namespace, "late");
      expect(moved?.status?.hostnameStatus).toBe("moved");
      expect(findCondition(moved?.status?.conditions, "Ready")?.reason).toBe("Moved");
    }, waitLong);
    const target = moved!.status!.requiredCNAME!.target;
    await env.world.setDns([{ type: "CNAME", name: host, value: target }]);
    await sleep(5_000); // two zone polls and more: DNS alone does not bring a moved hostname back
    expect((await getHostname(namespace, "late"))?.status?.hostnameStatus).toBe("moved");

    const annotated = await cluster.kubectl([
      "annotate",
      "customhostname",
      "late",
      "-n",
      namespace,
      "cfsaas.dev/refresh=after-dns-fix",
    ]);
    expect(annotated.code, annotated.stderr).toBe(0);
    await vi.waitFor(async () => {
      const refreshed = await getHostname(namespace, "late");
      expect(refreshed?.status?.observedRefresh).toBe("after-dns-fix");
      expect(findCondition(refreshed?.status?.conditions, "Ready")?.status).toBe("True");
    }, waitLong);
    const events = await cluster.kubectl(["get", "events.events.k8s.io", "-n", namespace, "-o", "json"]);
    const refreshEvents = (JSON.parse(events.stdout) as { items: Array<{ reason: string }> }).items.filter(
      (event) => event.reason === "Refreshed",
    );
    expect(refreshEvents).toHaveLength(1);
  });

  it("never writes the API token to its logs, events, status or metrics", async () => {
    const everything = [
      env.operator.output.join("\n"),
      (await cluster.kubectl(["get", "events.events.k8s.io", "-A", "-o", "json"])).stdout,
      (await cluster.kubectl(["get", "customhostnames,fallbackorigins", "-A", "-o", "json"])).stdout,
      await scrape(env.operator.metricsUrl),
    ].join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(env.world.token);
  });
});
