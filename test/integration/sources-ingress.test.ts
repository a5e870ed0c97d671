import { describe, expect, it, vi } from "vitest";
import { generatedName } from "../../src/api/sources.ts";
import { useControlPlane } from "../support/control-plane.ts";
import { applyManifest, startOperator, useOperatorWorld, waitLong } from "../support/operator.ts";
import { customHostnamesIn, eventsAbout } from "../support/sources.ts";

/** This cluster has no Gateway API CRDs: the Ingress source alone must work, the HTTPRoute one must say why not. */
describe("CustomHostnames generated from Ingresses", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, {
    fallbackOrigin: true,
    // Room for the 500-hostname Ingress in both the simulator's and the operator's request budgets, and a zone
    // poll slow enough that refreshing 500 hostnames does not crowd out their creation on a loaded machine.
    simulator: { rateLimit: { requests: 100_000, windowSeconds: 300 } },
    operator: { extraArgs: ["--sources=ingress", "--request-budget=100000/300", "--zone-poll-interval=5m"] },
  });

  function ingress(
    namespace: string,
    name: string,
    hosts: Array<string | undefined>,
    annotations: Record<string, string>,
  ) {
    return {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name, namespace, annotations },
      spec: {
        rules: hosts.map((host) => ({
          ...(host ? { host } : {}),
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "web", port: { number: 80 } } },
              },
            ],
          },
        })),
      },
    };
  }
  const origin = { "cfsaas.dev/fallback-origin": "saas-zone" };

  it("stops an operator asked for HTTPRoutes with an error that says the Gateway API CRDs are missing", async () => {
    const operator = await startOperator({
      kubeconfig: cluster.plane.kubeconfigPath,
      cloudflareApiUrl: env.world.simulator.url,
      extraArgs: ["--sources=gateway-httproute,ingress"],
    });
    expect(await operator.exited).toBe(1);
    expect(operator.output.join("\n")).toContain(
      "--sources gateway-httproute: the API server does not serve httproutes.gateway.networking.k8s.io/v1; " +
        "install the CRDs that define it",
    );
  });

  it("generates CustomHostnames from rules' hosts, honouring the filters, and deletes those removed", async () => {
    const namespace = await cluster.namespace("web");
    const annotations = {
      ...origin,
      "cfsaas.dev/include-hostnames": "*.ingress-customer.com",
      "cfsaas.dev/exclude-hostnames": "internal.ingress-customer.com",
      "cfsaas.dev/ssl-method": "txt",
    };
    const hosts = ["a.ingress-customer.com", "b.ingress-customer.com", "internal.ingress-customer.com"];
    await applyManifest(
      cluster,
      ingress(namespace, "web", [...hosts, "elsewhere.example.org", undefined], annotations),
    );
    await vi.waitFor(async () => {
      const objects = await customHostnamesIn(cluster, namespace);
      expect([...objects.keys()].sort()).toEqual(["a.ingress-customer.com", "b.ingress-customer.com"]);
      expect([...objects.values()].every((object) => object.status?.hostnameId)).toBe(true);
    }, waitLong);
    const a = (await customHostnamesIn(cluster, namespace)).get("a.ingress-customer.com")!;
    expect(a.metadata.name).toBe(generatedName("a.ingress-customer.com"));
    expect(a.metadata.labels).toEqual({ "cfsaas.dev/source": "ingress.web" });
    expect(a.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        name: "web",
        controller: true,
      }),
    ]);
    expect(a.spec.ssl.method).toBe("txt");

    await applyManifest(cluster, ingress(namespace, "web", ["a.ingress-customer.com"], annotations));
    await vi.waitFor(async () => {
      expect([...(await customHostnamesIn(cluster, namespace)).keys()]).toEqual(["a.ingress-customer.com"]);
      expect((await env.world.cloudflareHostnames()).map((entry) => entry.hostname)).not.toContain(
        "b.ingress-customer.com",
      );
    }, waitLong);

    // Removing the annotation takes the Ingress out: what it generated goes.
    await applyManifest(cluster, ingress(namespace, "web", ["a.ingress-customer.com"], {}));
    await vi.waitFor(async () => {
      expect((await customHostnamesIn(cluster, namespace)).size).toBe(0);
    }, waitLong);
  });

  it("changes nothing while an annotation is invalid", async () => {
    const namespace = await cluster.namespace("web");
    await applyManifest(cluster, ingress(namespace, "web", ["keep.ingress-customer.com"], origin));
    await vi.waitFor(async () => {
      expect((await customHostnamesIn(cluster, namespace)).size).toBe(1);
    }, waitLong);
    await applyManifest(
      cluster,
      ingress(namespace, "web", ["other.ingress-customer.com"], {
        ...origin,
        "cfsaas.dev/deletion-policy": "Keep",
      }),
    );
    await vi.waitFor(async () => {
      expect(await eventsAbout(cluster, namespace, "Ingress", "web")).toContainEqual({
        type: "Warning",
        reason: "InvalidAnnotation",
        note: 'cfsaas.dev/deletion-policy "Keep" must be one of Delete, Retain. Nothing was changed.',
      });
    }, waitLong);
    expect([...(await customHostnamesIn(cluster, namespace)).keys()]).toEqual(["keep.ingress-customer.com"]);
  });

  it("creates each of 500 hostnames once, reports them in one event, and deletes them with the Ingress", async () => {
    const namespace = await cluster.namespace("big");
    const hosts = Array.from({ length: 500 }, (_, index) => `h${index}.bulk-customer.com`);
    const createsBefore = (await env.world.stats()).byEndpoint["POST /zones/:zone_id/custom_hostnames"] ?? 0;
    await applyManifest(cluster, ingress(namespace, "bulk", hosts, origin));
    await vi.waitFor(
      async () => {
        const objects = await customHostnamesIn(cluster, namespace);
        expect(objects.size).toBe(500);
        expect([...objects.values()].filter((object) => object.status?.hostnameId)).toHaveLength(500);
      },
      { timeout: 200_000, interval: 2_000 },
    );
    const inCloudflare = (await env.world.cloudflareHostnames()).filter((entry) =>
      entry.hostname.endsWith(".bulk-customer.com"),
    );
    expect(inCloudflare).toHaveLength(500);
    const creates =
      ((await env.world.stats()).byEndpoint["POST /zones/:zone_id/custom_hostnames"] ?? 0) - createsBefore;
    expect(creates).toBe(500);
    const created = (await eventsAbout(cluster, namespace, "Ingress", "bulk")).filter(
      (event) => event.reason === "Created",
    );
    expect(created.map((event) => event.note.match(/^created (\d+) /)?.[1])).toEqual(["500"]);
    expect(created[0]?.note).toMatch(/and 490 more$/);

    expect((await cluster.kubectl(["delete", "ingress", "bulk", "-n", namespace])).code).toBe(0);
    await vi.waitFor(
      async () => {
        expect((await customHostnamesIn(cluster, namespace)).size).toBe(0);
        const left = (await env.world.cloudflareHostnames()).filter((entry) =>
          entry.hostname.endsWith(".bulk-customer.com"),
        );
        expect(left).toHaveLength(0);
      },
      { timeout: 200_000, interval: 2_000 },
    );
    expect(env.operator.child.exitCode).toBeNull();
  }, 420_000);
});
