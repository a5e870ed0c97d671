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
const SUFFIX = ".queued-customer.com";
/** Four requests per 4 s window, three of them for routine work such as creates (rate-limiter.ts). */
const BUDGET = { requests: 4, windowSeconds: 4 };
const ROUTINE_PER_WINDOW = 3;
const batch = 9;

describe("creates waiting more than one window of the request budget", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, {
    fallbackOrigin: true,
    operator: { extraArgs: [`--request-budget=${BUDGET.requests}/${BUDGET.windowSeconds}`] },
  });

  const manifest = (namespace: string, prefix: string) => ({
    apiVersion: "v1",
    kind: "List",
    items: Array.from({ length: batch }, (_, i) => ({
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name: `${prefix}-${i}`, namespace },
      spec: { hostname: `${prefix}-${i}${SUFFIX}`, fallbackOriginRef: { name: "saas-zone" } },
    })),
  });

  it("are each created once, in the order they were applied, while more arrive", async () => {
    const namespace = await cluster.namespace("create-queue");
    await waitForFallbackOriginReady(cluster);
    const createsBefore = (await env.world.stats()).byEndpoint[CREATE] ?? 0;
    const list = async () => [...(await customHostnamesIn(cluster, namespace)).values()];

    // The first batch: a window's worth goes at once, the rest is queued for later windows.
    await applyManifest(cluster, manifest(namespace, "first"));
    await vi.waitFor(async () => {
      const objects = await list();
      expect(objects.filter((object) => object.status?.hostnameId).length).toBeGreaterThan(0);
      const queued = objects.filter(
        (object) => findCondition(object.status?.conditions, "Ready")?.reason === "Queued",
      );
      expect(queued.length).toBeGreaterThan(ROUTINE_PER_WINDOW);
    }, waitLong);
    // The second batch arrives while the first one's creates are going out. A create whose turn comes keeps its
    // place until it has gone: it has a finalizer to add first, and must not then find itself behind this batch.
    await applyManifest(cluster, manifest(namespace, "second"));

    await vi.waitFor(
      async () => {
        const objects = await list();
        expect(objects.filter((object) => object.status?.hostnameId)).toHaveLength(2 * batch);
      },
      { ...waitLong, timeout: 90_000 },
    );
    expect((await env.world.stats()).byEndpoint[CREATE]! - createsBefore).toBe(2 * batch);

    // Cloudflare's order of creation follows the order of application, but for the few that a create whose turn
    // has come may pass while one ahead of it sleeps until its own turn (at most one window's routine share).
    const created = (await env.world.cloudflareHostnames())
      .filter((hostname) => hostname.hostname.endsWith(SUFFIX))
      .sort((a, b) => Date.parse(a.created_at!) - Date.parse(b.created_at!))
      .map((hostname) => hostname.hostname.split("-")[0]);
    expect(created).toHaveLength(2 * batch);
    const firstOfSecond = created.indexOf("second");
    const firstBatchAfterIt = created.slice(firstOfSecond).filter((prefix) => prefix === "first").length;
    expect(firstBatchAfterIt).toBeLessThanOrEqual(ROUTINE_PER_WINDOW);
  });
});
