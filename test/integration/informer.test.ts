import { describe, expect, it, vi } from "vitest";
import { KubeApiClient } from "../../src/kube/api-client.ts";
import { kubeconfigConnection } from "../../src/kube/connection.ts";
import { Informer, type InformerEvent, type KubeObject } from "../../src/kube/informer.ts";
import { useControlPlane } from "../support/control-plane.ts";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

describe("Informer against a real API server", () => {
  const cluster = useControlPlane();

  function configMapInformer(namespace: string, options: { pageSize?: number; resyncMs?: number } = {}) {
    const api = new KubeApiClient(cluster.connection);
    const informer = new Informer<ConfigMap>(api, {
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      ...options,
    });
    const events: Array<InformerEvent<ConfigMap>> = [];
    informer.onEvent((event) => events.push(event));
    return { api, informer, events };
  }

  it("lists every page of existing objects, then sees creates, updates and deletes through its watch", async () => {
    const namespace = await cluster.namespace("informer");
    const api = new KubeApiClient(cluster.connection);
    for (let i = 0; i < 7; i++) {
      await api.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
        body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } },
      });
    }
    const { informer, events } = configMapInformer(namespace, { pageSize: 3 });
    informer.start();
    await informer.waitForSync();
    expect(informer.hasSynced).toBe(true);
    // kube-root-ca.crt is not created here (no controller-manager), so the namespace holds only ours.
    expect(
      informer
        .list()
        .map((cm) => cm.metadata.name)
        .sort(),
    ).toEqual(["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6"]);
    expect(events.filter((e) => e.type === "added")).toHaveLength(7);

    await api.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { metadata: { name: "late" } },
    });
    await api.request("PATCH", `/api/v1/namespaces/${namespace}/configmaps/cm-0`, {
      body: { data: { i: "changed" } },
      patchType: "merge",
    });
    await api.request("DELETE", `/api/v1/namespaces/${namespace}/configmaps/cm-1`);
    await vi.waitFor(() => {
      expect(informer.get(`${namespace}/late`)).toBeDefined();
      expect(informer.get(`${namespace}/cm-0`)?.data).toEqual({ i: "changed" });
      expect(informer.get(`${namespace}/cm-1`)).toBeUndefined();
    });
    const updated = events.find((e) => e.type === "updated");
    expect(updated?.type === "updated" && updated.old.data).toEqual({ i: "0" });
    expect(events.some((e) => e.type === "deleted" && e.object.metadata.name === "cm-1")).toBe(true);
    informer.stop();
  });

  it("survives a restart of the API server: relists and sees what changed while it was down", async () => {
    const namespace = await cluster.namespace("restart");
    const api = new KubeApiClient(cluster.connection);
    await api.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { metadata: { name: "before" } },
    });
    const errors: unknown[] = [];
    const informer = new Informer<ConfigMap>(api, {
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      onError: (error) => errors.push(error),
    });
    informer.start();
    await informer.waitForSync();
    await cluster.plane.restartApiServer();
    await api.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { metadata: { name: "after" } },
    });
    await api.request("DELETE", `/api/v1/namespaces/${namespace}/configmaps/before`);
    await vi.waitFor(
      () => {
        expect(informer.get(`${namespace}/after`)).toBeDefined();
        expect(informer.get(`${namespace}/before`)).toBeUndefined();
      },
      { timeout: 60_000, interval: 200 },
    );
    informer.stop();
  });

  it("re-announces cached objects on every resync", async () => {
    const namespace = await cluster.namespace("resync");
    const api = new KubeApiClient(cluster.connection);
    await api.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { metadata: { name: "one" } },
    });
    const { informer, events } = configMapInformer(namespace, { resyncMs: 100 });
    informer.start();
    await vi.waitFor(() =>
      expect(events.filter((e) => e.type === "resync").length).toBeGreaterThanOrEqual(2),
    );
    informer.stop();
  });

  it("keeps retrying while it is forbidden, and fills its cache once access is granted", async () => {
    const namespace = await cluster.namespace("forbidden");
    const kubeconfigPath = await cluster.plane.kubeconfigFor("informer-user");
    const restricted = await kubeconfigConnection(kubeconfigPath);
    const errors: unknown[] = [];
    const informer = new Informer<ConfigMap>(new KubeApiClient(restricted), {
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      onError: (error) => errors.push(error),
    });
    informer.start();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect(informer.hasSynced).toBe(false);
    for (const args of [
      ["create", "role", "cm", "--verb=list,watch", "--resource=configmaps", "-n", namespace],
      ["create", "rolebinding", "cm", "--role=cm", "--user=informer-user", "-n", namespace],
    ]) {
      expect((await cluster.kubectl(args)).code).toBe(0);
    }
    await informer.waitForSync();
    expect(informer.hasSynced).toBe(true);
    informer.stop();
  });
});
