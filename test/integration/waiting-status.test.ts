import { describe, expect, it, vi } from "vitest";
import { findCondition } from "../../src/kube/status-conditions.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  useOperatorWorld,
  waitForFallbackOriginReady,
  waitLong,
} from "../support/operator.ts";
import { customHostnamesIn } from "../support/sources.ts";

const CREATE = "POST /zones/:zone_id/custom_hostnames";
const hostnames = 8;

describe("hostnames applied behind a rollout", () => {
  const cluster = useControlPlane();
  // One reconcile at a time, so every hostname after the first waits behind it.
  const env = useOperatorWorld(cluster, { fallbackOrigin: true, operator: { extraArgs: ["--workers=1"] } });

  it("tell their customers what to create before their turn, then are each created once", async () => {
    const namespace = await cluster.namespace("behind");
    await waitForFallbackOriginReady(cluster);
    // The first create stays on the wire for 20 s: the one reconcile worker is held by it.
    await env.world.setFaults([{ match: CREATE, latencyMs: 20_000, limit: 1 }]);
    const createsBefore = (await env.world.stats()).byEndpoint[CREATE] ?? 0;
    await applyManifest(cluster, {
      apiVersion: "v1",
      kind: "List",
      items: Array.from({ length: hostnames }, (_, i) => ({
        apiVersion: "cfsaas.dev/v1alpha1",
        kind: "CustomHostname",
        metadata: { name: `behind-${i}`, namespace },
        spec: { hostname: `behind-${i}.waiting-customer.com`, fallbackOriginRef: { name: "saas-zone" } },
      })),
    });
    const list = async () => [...(await customHostnamesIn(cluster, namespace)).values()];
    const inCloudflare = async () =>
      (await env.world.cloudflareHostnames()).filter((hostname) =>
        hostname.hostname.endsWith(".waiting-customer.com"),
      );

    // Every hostname but the one whose create is in flight says it is queued, with its customer's records.
    await vi.waitFor(async () => {
      const told = (await list()).filter(
        (object) =>
          object.status?.requiredCNAME?.target === "customers.saasprovider.com" &&
          object.status.dnsRecords?.some((record) => record.purpose === "Routing") &&
          findCondition(object.status.conditions, "Ready")?.reason === "Queued",
      );
      expect(told.length).toBeGreaterThanOrEqual(hostnames - 1);
    }, waitLong);
    // ... while the first create was still held: Cloudflare holds none of them yet.
    expect(await inCloudflare()).toEqual([]);

    // Then the queue moves on: each is created exactly once, and its queued status gives way to Cloudflare's.
    await vi.waitFor(async () => {
      const objects = await list();
      expect(objects.filter((object) => object.status?.hostnameId)).toHaveLength(hostnames);
      for (const object of objects) {
        expect(findCondition(object.status?.conditions, "Ready")?.reason).not.toBe("Queued");
      }
    }, waitLong);
    expect((await env.world.stats()).byEndpoint[CREATE]! - createsBefore).toBe(hostnames);
    expect(await inCloudflare()).toHaveLength(hostnames);
  });
});
