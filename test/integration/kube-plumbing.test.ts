import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { KubeApiClient } from "../../src/kube/api-client.ts";
import { connectToKube } from "../../src/kube/connection.ts";
import { EventRecorder } from "../../src/kube/events.ts";
import type { KubeObject } from "../../src/kube/informer.ts";
import { LeaderElector } from "../../src/kube/leader-election.ts";
import { type ResourceType, setFinalizer, writeStatus } from "../../src/kube/resources.ts";
import { useControlPlane } from "../support/control-plane.ts";

const widgets: ResourceType = {
  group: "test.cfsaas.dev",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
  namespaced: true,
};

const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.test.cfsaas.dev" },
  spec: {
    group: "test.cfsaas.dev",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" } } },
              status: {
                type: "object",
                properties: {
                  phase: { type: "string" },
                  conditions: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["type"],
                    items: {
                      type: "object",
                      required: ["type", "status"],
                      properties: { type: { type: "string" }, status: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

interface Widget extends KubeObject {
  spec?: { size?: number };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

describe("Kubernetes plumbing against a real API server", () => {
  const cluster = useControlPlane();
  const api = () => new KubeApiClient(cluster.connection);

  async function widget(namespace: string, name: string): Promise<Widget> {
    return api().request<Widget>("POST", `/apis/test.cfsaas.dev/v1/namespaces/${namespace}/widgets`, {
      body: { apiVersion: "test.cfsaas.dev/v1", kind: "Widget", metadata: { name }, spec: { size: 1 } },
    });
  }

  async function installCrd() {
    const applied = await cluster.kubectl(["apply", "-f", "-"], { input: JSON.stringify(widgetCrd) });
    expect(applied.code, applied.stderr).toBe(0);
    await cluster.kubectl(["wait", "--for=condition=Established", "crd/widgets.test.cfsaas.dev"]);
  }

  it("writes status through the subresource, and skips a write that would change nothing", async () => {
    await installCrd();
    const namespace = await cluster.namespace("status");
    const created = await widget(namespace, "w");
    const status = { phase: "Ready", conditions: [{ type: "Ready", status: "True" }] };
    expect(await writeStatus(api(), widgets, created, status)).toBe(true);
    const stored = await api().request<Widget>(
      "GET",
      `/apis/test.cfsaas.dev/v1/namespaces/${namespace}/widgets/w`,
    );
    expect(stored.status).toEqual(status);
    expect(stored.metadata.generation).toBe(created.metadata.generation);
    expect(await writeStatus(api(), widgets, stored, { ...status })).toBe(false);
    const again = await api().request<Widget>(
      "GET",
      `/apis/test.cfsaas.dev/v1/namespaces/${namespace}/widgets/w`,
    );
    expect(again.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it("refuses a status write computed from an outdated copy, such as one deleted and recreated since", async () => {
    await installCrd();
    const namespace = await cluster.namespace("uid");
    const first = await widget(namespace, "w");
    await api().request("DELETE", `/apis/test.cfsaas.dev/v1/namespaces/${namespace}/widgets/w`);
    await widget(namespace, "w");
    await expect(writeStatus(api(), widgets, first, { phase: "Stale" })).rejects.toMatchObject({
      status: 409,
    });
  });

  it("reaches the API server as a pod does: the mounted service account token and CA", async () => {
    const namespace = await cluster.namespace("in-pod");
    expect((await cluster.kubectl(["create", "serviceaccount", "probe", "-n", namespace])).code).toBe(0);
    const token = await cluster.kubectl(["create", "token", "probe", "-n", namespace]);
    expect(token.code, token.stderr).toBe(0);
    const mounted = mkdtempSync(join(tmpdir(), "cfsaas-serviceaccount-"));
    try {
      writeFileSync(join(mounted, "token"), token.stdout.trim());
      copyFileSync(cluster.plane.caCert, join(mounted, "ca.crt"));
      const { hostname, port } = new URL(cluster.plane.server);
      const env = { KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port };
      const inPod = new KubeApiClient(await connectToKube(undefined, env, mounted));
      const review = await inPod.request<{ status: { userInfo: { username: string } } }>(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
      );
      expect(review.status.userInfo.username).toBe(`system:serviceaccount:${namespace}:probe`);
    } finally {
      rmSync(mounted, { recursive: true, force: true });
    }
  });

  it("adds and removes a finalizer, and loses no concurrent change", async () => {
    await installCrd();
    const namespace = await cluster.namespace("finalizer");
    const created = await widget(namespace, "w");
    const withFinalizer = await setFinalizer(api(), widgets, created, "cfsaas.dev/cleanup", true);
    expect(withFinalizer?.metadata.finalizers).toEqual(["cfsaas.dev/cleanup"]);
    // A writer holding the stale copy is refused (409), reads the object and patches that: nothing is wiped out.
    const both = await setFinalizer(api(), widgets, created, "other.dev/x", true);
    expect(both?.metadata.finalizers).toEqual(["cfsaas.dev/cleanup", "other.dev/x"]);
    // Stale again, and the current object already says what this one wants: it is returned as it is.
    const unchanged = await setFinalizer(api(), widgets, withFinalizer!, "other.dev/x", true);
    expect(unchanged?.metadata.resourceVersion).toBe(both?.metadata.resourceVersion);
    const removed = await setFinalizer(api(), widgets, both!, "cfsaas.dev/cleanup", false);
    expect(removed?.metadata.finalizers).toEqual(["other.dev/x"]);
  });

  it("records events.k8s.io/v1 events about an object, once per distinct event", async () => {
    await installCrd();
    const namespace = await cluster.namespace("events");
    const created = { ...(await widget(namespace, "w")), apiVersion: "test.cfsaas.dev/v1", kind: "Widget" };
    const errors: unknown[] = [];
    const recorder = new EventRecorder(api(), {
      controller: "cfsaas.dev/test",
      instance: "replica-1",
      onError: (e) => errors.push(e),
    });
    await recorder.record(created, "Normal", "Created", "Create", "created in Cloudflare");
    await recorder.record(created, "Normal", "Created", "Create", "created in Cloudflare");
    await recorder.record(created, "Warning", "SyncFailed", "Sync", "Cloudflare said no");
    expect(errors).toEqual([]);
    const list = await api().request<{ items: Array<Record<string, unknown>> }>(
      "GET",
      `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
    );
    expect(list.items.map((event) => [event.type, event.reason, event.note]).sort()).toEqual([
      ["Normal", "Created", "created in Cloudflare"],
      ["Warning", "SyncFailed", "Cloudflare said no"],
    ]);
    expect(list.items[0]).toMatchObject({
      reportingController: "cfsaas.dev/test",
      reportingInstance: "replica-1",
      regarding: { kind: "Widget", name: "w", uid: created.metadata.uid },
    });
  });

  describe("leader election", () => {
    const fast = { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 };

    it("lets exactly one of two candidates lead, and hands over at once on release", async () => {
      const namespace = await cluster.namespace("lease");
      // A lease far longer than a handover can take even on a loaded machine: b leading before it could expire
      // shows that b took it because a released it.
      const slow = { ...fast, leaseDurationMs: 30_000, renewDeadlineMs: 20_000 };
      const a = new LeaderElector(api(), { namespace, name: "op", identity: "a", ...slow });
      const b = new LeaderElector(api(), { namespace, name: "op", identity: "b", ...slow });
      const aLeads = await a.acquire();
      expect(aLeads).toBeDefined();
      let bLed = false;
      const bAcquired = b.acquire().then((signal) => {
        bLed = true;
        return signal;
      });
      await sleep(2_500);
      expect(a.isLeader).toBe(true);
      expect(bLed).toBe(false);
      const releasedAt = Date.now();
      await a.release();
      await bAcquired;
      expect(b.isLeader).toBe(true);
      expect(Date.now() - releasedAt).toBeLessThan(slow.leaseDurationMs / 2);
      const lease = await api().request<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
        "GET",
        `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/op`,
      );
      expect(lease.spec.holderIdentity).toBe("b");
      await b.release();
    });

    it("takes over from a leader that vanished without releasing, once its lease has expired", async () => {
      const namespace = await cluster.namespace("lease");
      const crashed = new KubeApiClient(cluster.connection);
      const now = new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
      await crashed.request("POST", `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, {
        body: {
          metadata: { name: "op" },
          spec: { holderIdentity: "gone", leaseDurationSeconds: 2, renewTime: now, acquireTime: now },
        },
      });
      const successor = new LeaderElector(api(), { namespace, name: "op", identity: "next", ...fast });
      const started = Date.now();
      await successor.acquire();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      const lease = await api().request<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
        "GET",
        `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/op`,
      );
      expect(lease.spec).toMatchObject({ holderIdentity: "next", leaseTransitions: 1 });
      await successor.release();
    });

    it("signals lost leadership when someone else takes the lease over", async () => {
      const namespace = await cluster.namespace("lease");
      const leader = new LeaderElector(api(), { namespace, name: "op", identity: "leader", ...fast });
      const lost = await leader.acquire();
      const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/op`;
      const lease = await api().request<{ spec: Record<string, unknown> }>("GET", path);
      // An administrator forces the lease to another holder with a long duration.
      await api().request("PUT", path, {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "usurper", leaseDurationSeconds: 60 } },
      });
      await vi.waitFor(() => expect(lost?.aborted).toBe(true), { timeout: 5_000 });
      expect(leader.isLeader).toBe(false);
      await leader.release();
    });
  });
});
