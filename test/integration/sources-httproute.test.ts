import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import { generatedName } from "../../src/api/sources.ts";
import { findCondition } from "../../src/kube/status-conditions.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  installGatewayApiCrds,
  startOperator,
  useOperatorWorld,
  waitLong,
} from "../support/operator.ts";
import { customHostnamesIn, eventsAbout } from "../support/sources.ts";

describe("CustomHostnames generated from Gateway API HTTPRoutes", () => {
  const cluster = useControlPlane();
  // Before the operator starts: with --sources gateway-httproute it refuses to start without the CRDs.
  beforeAll(() => installGatewayApiCrds(cluster));
  const env = useOperatorWorld(cluster, {
    fallbackOrigin: true,
    operator: { extraArgs: ["--sources=gateway-httproute,ingress"] },
  });

  function httpRoute(
    namespace: string,
    name: string,
    hostnames: string[],
    annotations: Record<string, string>,
  ) {
    return {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name, namespace, annotations },
      spec: { hostnames },
    };
  }
  const origin = { "cfsaas.dev/fallback-origin": "saas-zone" };
  const cloudflareNames = async () => (await env.world.cloudflareHostnames()).map((entry) => entry.hostname);
  const routeEvents = (namespace: string, name: string) => eventsAbout(cluster, namespace, "HTTPRoute", name);

  it("generates one owned, labelled CustomHostname per hostname, follows edits, and reports on the route", async () => {
    const namespace = await cluster.namespace("shop");
    await applyManifest(
      cluster,
      httpRoute(namespace, "storefront", ["a.route-customer.com", "*.route-customer.com"], origin),
    );
    const route = (await cluster.kubectl(["get", "httproute", "storefront", "-n", namespace, "-o", "json"]))
      .stdout;
    const uid = (JSON.parse(route) as { metadata: { uid: string } }).metadata.uid;

    let created = new Map<string, CustomHostname>();
    await vi.waitFor(async () => {
      created = await customHostnamesIn(cluster, namespace);
      expect([...created.keys()].sort()).toEqual(["*.route-customer.com", "a.route-customer.com"]);
      expect([...created.values()].every((object) => object.status?.hostnameId)).toBe(true);
      expect(await cloudflareNames()).toEqual(
        expect.arrayContaining(["a.route-customer.com", "*.route-customer.com"]),
      );
    }, waitLong);
    const wildcard = created.get("*.route-customer.com")!;
    expect(wildcard.metadata.name).toBe(generatedName("*.route-customer.com"));
    expect(wildcard.metadata.labels).toEqual({ "cfsaas.dev/source": "httproute.storefront" });
    expect(wildcard.metadata.ownerReferences).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        name: "storefront",
        uid,
        controller: true,
      },
    ]);
    expect(wildcard.spec).toEqual({
      hostname: "*.route-customer.com",
      fallbackOriginRef: { name: "saas-zone" },
      ssl: { method: "txt", type: "dv", wildcard: true },
      deletionPolicy: "Delete",
    });
    expect(created.get("a.route-customer.com")!.spec.ssl.method).toBe("http");

    // The customer points a.route-customer.com at the SaaS zone: the route's owner hears it is Ready.
    await env.world.setDns([
      { type: "CNAME", name: "a.route-customer.com", value: "customers.saasprovider.com" },
    ]);
    await vi.waitFor(async () => {
      const events = await routeEvents(namespace, "storefront");
      expect(events).toContainEqual(
        expect.objectContaining({
          type: "Normal",
          reason: "Created",
          note: expect.stringContaining("created 2"),
        }),
      );
      expect(events).toContainEqual({
        type: "Normal",
        reason: "HostnameReady",
        note: `a.route-customer.com (CustomHostname ${generatedName("a.route-customer.com")}) is Ready`,
      });
    }, waitLong);

    // A hostname added, one removed, and a new deletion policy: Cloudflare follows; the removed one is deleted.
    await applyManifest(
      cluster,
      httpRoute(namespace, "storefront", ["a.route-customer.com", "b.route-customer.com"], {
        ...origin,
        "cfsaas.dev/deletion-policy": "Retain",
      }),
    );
    await vi.waitFor(async () => {
      const now = await customHostnamesIn(cluster, namespace);
      expect([...now.keys()].sort()).toEqual(["a.route-customer.com", "b.route-customer.com"]);
      expect([...now.values()].map((object) => object.spec.deletionPolicy)).toEqual(["Retain", "Retain"]);
      const names = await cloudflareNames();
      expect(names).toContain("b.route-customer.com");
      expect(names).not.toContain("*.route-customer.com");
    }, waitLong);
    // The hostname kept its object and its Cloudflare id: an annotation change is an update, never delete + create.
    const kept = (await customHostnamesIn(cluster, namespace)).get("a.route-customer.com")!;
    expect(kept.metadata.uid).toBe(created.get("a.route-customer.com")!.metadata.uid);
    expect(kept.status?.hostnameId).toBe(created.get("a.route-customer.com")!.status?.hostnameId);
    expect(await routeEvents(namespace, "storefront")).toContainEqual(
      expect.objectContaining({
        reason: "HostnameRemoved",
        note: expect.stringContaining("*.route-customer.com"),
      }),
    );

    // A hand edit of a generated CustomHostname is undone.
    const edit = await cluster.kubectl([
      "patch",
      "customhostname",
      kept.metadata.name,
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { ssl: { method: "email" }, deletionPolicy: "Delete" } }),
    ]);
    expect(edit.code).toBe(0);
    await vi.waitFor(async () => {
      const restored = (await customHostnamesIn(cluster, namespace)).get("a.route-customer.com")!;
      expect(restored.metadata.generation).toBeGreaterThan(kept.metadata.generation!);
      expect(restored.spec.ssl.method).toBe("http");
      expect(restored.spec.deletionPolicy).toBe("Retain");
    }, waitLong);
  });

  it("leaves a hostname to a hand-written CustomHostname, and takes it over without recreating it once retained", async () => {
    const namespace = await cluster.namespace("shop");
    const hostname = "claimed.route-customer.com";
    await applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name: "by-hand", namespace },
      spec: { hostname, fallbackOriginRef: { name: "saas-zone" }, deletionPolicy: "Retain" },
    });
    let cloudflareId: string | undefined;
    await vi.waitFor(async () => {
      cloudflareId = (await customHostnamesIn(cluster, namespace)).get(hostname)?.status?.hostnameId;
      expect(cloudflareId).toBeTruthy();
    }, waitLong);

    await applyManifest(cluster, httpRoute(namespace, "landing", [hostname], origin));
    await vi.waitFor(async () => {
      expect(await routeEvents(namespace, "landing")).toContainEqual({
        type: "Warning",
        reason: "Conflict",
        note: `left 1 hostname(s) to the object that already claims them: ${hostname} (CustomHostname ${namespace}/by-hand)`,
      });
    }, waitLong);
    expect([...(await customHostnamesIn(cluster, namespace)).values()].map((o) => o.metadata.name)).toEqual([
      "by-hand",
    ]);

    // An object created in the same second as a Cloudflare hostname cannot tell it from its own create
    // (creationTimestamp has whole seconds), and counts it as not adopted: let that second pass first.
    const createdAt = (await env.world.cloudflareHostnames()).find(
      (entry) => entry.hostname === hostname,
    )?.created_at;
    await sleep(Math.max(0, Date.parse(createdAt ?? "") + 1_000 - Date.now()));

    // Migration: the hand-written object goes (Retain: Cloudflare keeps the hostname); the route adopts it.
    expect((await cluster.kubectl(["delete", "customhostname", "by-hand", "-n", namespace])).code).toBe(0);
    await vi.waitFor(async () => {
      const generated = (await customHostnamesIn(cluster, namespace)).get(hostname);
      expect(generated?.metadata.name).toBe(generatedName(hostname));
      expect(generated?.status?.hostnameId).toBe(cloudflareId);
      expect(generated?.status?.adopted).toBe(true);
    }, waitLong);
    expect((await env.world.cloudflareHostnames()).filter((entry) => entry.hostname === hostname)).toEqual([
      expect.objectContaining({ id: cloudflareId }),
    ]);
  });

  it("gives a hostname two routes declare to the older route and warns the other", async () => {
    const namespace = await cluster.namespace("shop");
    const hostname = "shared.route-customer.com";
    await applyManifest(cluster, httpRoute(namespace, "first", [hostname], origin));
    await vi.waitFor(async () => {
      expect((await customHostnamesIn(cluster, namespace)).get(hostname)?.metadata.labels).toEqual({
        "cfsaas.dev/source": "httproute.first",
      });
    }, waitLong);
    await applyManifest(cluster, httpRoute(namespace, "second", [hostname], origin));
    await vi.waitFor(async () => {
      expect(await routeEvents(namespace, "second")).toContainEqual(
        expect.objectContaining({
          reason: "Conflict",
          note: expect.stringContaining(`HTTPRoute ${namespace}/first`),
        }),
      );
    }, waitLong);

    // The first route lets go: the second takes the same object over (same uid), Cloudflare untouched.
    const before = (await customHostnamesIn(cluster, namespace)).get(hostname)!;
    await applyManifest(cluster, httpRoute(namespace, "first", [], origin));
    await vi.waitFor(async () => {
      const after = (await customHostnamesIn(cluster, namespace)).get(hostname);
      expect(after?.metadata.labels).toEqual({ "cfsaas.dev/source": "httproute.second" });
      expect(after?.metadata.uid).toBe(before.metadata.uid);
      expect(after?.metadata.ownerReferences?.map((reference) => reference.name)).toEqual(["second"]);
    }, waitLong);
  });

  it("deletes the generated CustomHostnames of a route deleted while they are pending, in Cloudflare too", async () => {
    const namespace = await cluster.namespace("shop");
    const hostnames = ["p1.pending-customer.com", "p2.pending-customer.com"];
    await applyManifest(cluster, httpRoute(namespace, "short-lived", hostnames, origin));
    await vi.waitFor(async () => {
      const objects = await customHostnamesIn(cluster, namespace);
      expect([...objects.values()].every((object) => object.status?.hostnameId)).toBe(true);
      expect(objects.size).toBe(2);
      const pending = [...objects.values()].map(
        (object) => findCondition(object.status?.conditions, "Ready")?.reason,
      );
      expect(pending).toEqual(["PendingValidation", "PendingValidation"]);
    }, waitLong);
    expect((await cluster.kubectl(["delete", "httproute", "short-lived", "-n", namespace])).code).toBe(0);
    await vi.waitFor(async () => {
      expect((await customHostnamesIn(cluster, namespace)).size).toBe(0);
      const names = await cloudflareNames();
      for (const hostname of hostnames) expect(names).not.toContain(hostname);
    }, waitLong);
  });

  it("waits for a missing FallbackOrigin, skips invalid hostnames, and ignores routes without the annotation", async () => {
    const namespace = await cluster.namespace("shop");
    await applyManifest(cluster, httpRoute(namespace, "plain", ["plain.route-customer.com"], {}));
    await applyManifest(
      cluster,
      httpRoute(namespace, "early", ["early.route-customer.com", "localhost"], {
        "cfsaas.dev/fallback-origin": "later-zone",
      }),
    );
    await vi.waitFor(async () => {
      const events = await routeEvents(namespace, "early");
      expect(events).toContainEqual(
        expect.objectContaining({
          type: "Warning",
          reason: "FallbackOriginNotFound",
          note: expect.stringContaining("FallbackOrigin later-zone"),
        }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          type: "Warning",
          reason: "InvalidHostname",
          note: expect.stringContaining("localhost"),
        }),
      );
    }, waitLong);
    expect((await customHostnamesIn(cluster, namespace)).size).toBe(0);

    await applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "FallbackOrigin",
      metadata: { name: "later-zone" },
      spec: {
        zoneId: "0123456789abcdef0123456789abcdef",
        origin: "proxy-fallback.other-saas.com",
        credentialsRef: { name: "cloudflare-api" },
      },
    });
    await vi.waitFor(async () => {
      expect([...(await customHostnamesIn(cluster, namespace)).keys()]).toEqual(["early.route-customer.com"]);
    }, waitLong);
    expect(await routeEvents(namespace, "plain")).toEqual([]);
  });

  it("tells the route when a generated hostname fails, quoting the CustomHostname's reason", async () => {
    const namespace = await cluster.namespace("shop");
    await applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "FallbackOrigin",
      metadata: { name: "no-credentials" },
      spec: {
        zoneId: "0123456789abcdef0123456789abcdef",
        origin: "proxy-fallback.other-saas.com",
        credentialsRef: { name: "no-such-secret" },
      },
    });
    const hostname = "failing.route-customer.com";
    await applyManifest(
      cluster,
      httpRoute(namespace, "failing", [hostname], { "cfsaas.dev/fallback-origin": "no-credentials" }),
    );
    await vi.waitFor(async () => {
      expect(await routeEvents(namespace, "failing")).toContainEqual({
        type: "Warning",
        reason: "HostnameFailed",
        note: expect.stringMatching(
          new RegExp(
            `^${hostname} \\(CustomHostname ${generatedName(hostname)}\\) is not Ready: SecretNotFound: `,
          ),
        ),
      });
    }, waitLong);
  });

  it("deletes, once it starts again, what a route deleted while no operator ran had generated", async () => {
    const namespace = await cluster.namespace("shop");
    const hostname = "gone.route-customer.com";
    await applyManifest(cluster, httpRoute(namespace, "gone", [hostname], origin));
    await vi.waitFor(async () => {
      expect((await customHostnamesIn(cluster, namespace)).get(hostname)?.status?.hostnameId).toBeTruthy();
    }, waitLong);
    expect(await env.operator.stop()).toBe(0);
    // No garbage collector runs here either: only the operator can clean up.
    expect((await cluster.kubectl(["delete", "httproute", "gone", "-n", namespace])).code).toBe(0);
    env.operator = await startOperator({
      kubeconfig: cluster.plane.kubeconfigPath,
      cloudflareApiUrl: env.world.simulator.url,
      extraArgs: ["--sources=gateway-httproute,ingress"],
    });
    await vi.waitFor(async () => {
      expect((await customHostnamesIn(cluster, namespace)).size).toBe(0);
      expect(await cloudflareNames()).not.toContain(hostname);
    }, waitLong);
  });

  it("has the API server refuse a route with more hostnames than HTTPRoute allows", async () => {
    const namespace = await cluster.namespace("shop");
    const hostnames = Array.from({ length: 500 }, (_, index) => `h${index}.many-customer.com`);
    const result = await cluster.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify(httpRoute(namespace, "too-many", hostnames, origin)),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/spec.hostnames: Too many: 500: must have at most 16 items/);
  });
});
