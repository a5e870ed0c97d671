import { describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import { findCondition } from "../../src/kube/status-conditions.ts";
import { useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  getObject,
  leaseHolder,
  startOperator,
  useOperatorWorld,
  waitLong,
} from "../support/operator.ts";

const workers = 4;

describe("the operator shutting down with a backlog waiting for the request budget", () => {
  const cluster = useControlPlane();
  const env = useOperatorWorld(cluster, { fallbackOrigin: true });

  it("starts no Cloudflare call after SIGTERM, hands the Lease back and exits promptly", async () => {
    const namespace = await cluster.namespace("backlog");
    const operator = await startOperator({
      kubeconfig: cluster.plane.kubeconfigPath,
      cloudflareApiUrl: env.world.simulator.url,
      extraArgs: [
        "--request-budget=20/30",
        "--zone-poll-interval=60s",
        `--workers=${workers}`,
        "--leader-elect",
        "--leader-election-namespace=cfsaas-system",
      ],
    });
    try {
      await applyManifest(cluster, {
        apiVersion: "v1",
        kind: "List",
        items: Array.from({ length: 60 }, (_, i) => ({
          apiVersion: "cfsaas.dev/v1alpha1",
          kind: "CustomHostname",
          metadata: { name: `backlog-${i}`, namespace },
          spec: { hostname: `backlog-${i}.backlog-customer.com`, fallbackOriginRef: { name: "saas-zone" } },
        })),
      });
      // The budget is spent: the last hostnames say they are queued, with their DNS instructions already there.
      await vi.waitFor(async () => {
        const last = await getObject<CustomHostname>(cluster, [
          "customhostname",
          "backlog-59",
          "-n",
          namespace,
        ]);
        expect(findCondition(last?.status?.conditions, "Ready")?.reason).toBe("Queued");
        expect(last?.status?.requiredCNAME?.target).toBe("customers.saasprovider.com");
      }, waitLong);

      // Deleting hostnames that exist in Cloudflare needs the budget too: their reconciles wait for it.
      const deleted = await cluster.kubectl([
        "delete",
        "customhostname",
        "-n",
        namespace,
        "--wait=false",
        ...Array.from({ length: 10 }, (_, i) => `backlog-${i}`),
      ]);
      expect(deleted.code, deleted.stderr).toBe(0);
      // One delete goes (the urgent share of the window); the others wait in the budget for the window to turn.
      await vi.waitFor(async () => {
        const stats = await env.world.stats();
        expect(
          stats.byEndpoint["DELETE /zones/:zone_id/custom_hostnames/:custom_hostname_id"],
        ).toBeGreaterThan(0);
      }, waitLong);

      const atSignal = (await env.world.stats()).total;
      const signalled = Date.now();
      operator.child.kill("SIGTERM");
      // Within 5 s, whatever the budget still holds back (up to the 30 s window here).
      const code = await Promise.race([
        operator.exited,
        new Promise((resolve) => setTimeout(resolve, 5_000, "running")),
      ]);
      const tookMs = Date.now() - signalled;
      expect(code).toBe(0);
      console.log(`SIGTERM with deletes and creates waiting for a 20/30 budget: exited 0 after ${tookMs} ms`);
      // At most the calls already on the wire (one per worker) complete; nothing new starts.
      expect((await env.world.stats()).total - atSignal).toBeLessThanOrEqual(workers);
      expect(await leaseHolder(cluster, "cfsaas-system")).toBe("");
    } finally {
      await operator.stop("SIGKILL");
    }
  });
});
