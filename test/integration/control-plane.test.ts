import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { locateTools } from "../../src/controlplane/tools.ts";
import { runCommand, useControlPlane } from "../support/control-plane.ts";

/** Pids of running processes whose command line mentions `marker` (a control plane's own folder). */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(marker) && Number(entry) !== process.pid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe("the local control plane", () => {
  const cluster = useControlPlane();

  it("is a real kube-apiserver that reports its release version", async () => {
    const result = await cluster.kubectl(["get", "--raw", "/version"]);
    expect(result.code, result.stderr).toBe(0);
    const version = JSON.parse(result.stdout) as { gitVersion: string; major: string; minor: string };
    expect(version.gitVersion).toMatch(/^v1\.3[67]\.\d+$/);
    expect(version.major).toBe("1");
  });

  it("enforces RBAC: an unprivileged user is forbidden until a role binding allows it", async () => {
    const namespace = await cluster.namespace("rbac");
    const kubeconfig = await cluster.plane.kubeconfigFor("jane");
    const denied = await cluster.kubectl(["get", "configmaps", "-n", namespace], { kubeconfig });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('User "jane" cannot list resource "configmaps"');

    // Aggregated roles such as `view` stay empty here (no controller-manager aggregates them): grant directly.
    for (const args of [
      ["create", "role", "configmap-reader", "--verb=list", "--resource=configmaps", "-n", namespace],
      ["create", "rolebinding", "jane-reads", "--role=configmap-reader", "--user=jane", "-n", namespace],
    ]) {
      const granted = await cluster.kubectl(args);
      expect(granted.code, granted.stderr).toBe(0);
    }
    const allowed = await cluster.kubectl(["get", "configmaps", "-n", namespace], { kubeconfig });
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  it("issues service-account tokens through TokenRequest and authenticates them", async () => {
    const namespace = await cluster.namespace("sa");
    expect((await cluster.kubectl(["create", "serviceaccount", "robot", "-n", namespace])).code).toBe(0);
    const token = await cluster.kubectl(["create", "token", "robot", "-n", namespace]);
    expect(token.code, token.stderr).toBe(0);
    const kubeconfig = await cluster.plane.kubeconfigForToken(token.stdout.trim());
    const whoami = await cluster.kubectl(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], {
      kubeconfig,
    });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toBe(`system:serviceaccount:${namespace}:robot`);
  });

  it("lets the admin impersonate a service account for can-i checks", async () => {
    const namespace = await cluster.namespace("impersonate");
    const canI = await cluster.kubectl([
      "auth",
      "can-i",
      "get",
      "secrets",
      "-n",
      namespace,
      `--as=system:serviceaccount:${namespace}:nobody`,
    ]);
    expect(canI.stdout.trim()).toBe("no");
  });
});

describe("the harness's process hygiene", () => {
  it("stops etcd and kube-apiserver when stopped", async () => {
    const { startControlPlane } = await import("../../src/controlplane/control-plane.ts");
    const plane = await startControlPlane();
    const pids = plane.processes.map((proc) => proc.pid);
    expect(pids).toHaveLength(2);
    expect(processesMentioning(plane.dir).sort()).toEqual([...pids].sort());
    await plane.stop();
    expect(processesMentioning(plane.dir)).toEqual([]);
  });

  it("stops etcd when kube-apiserver fails to start, and says why", async () => {
    const { startControlPlane } = await import("../../src/controlplane/control-plane.ts");
    const dir = await mkdtemp(join(tmpdir(), "cfsaas-cp-broken-"));
    const tools = { ...locateTools(), kubeApiserver: "/bin/false" };
    await expect(startControlPlane({ dir, tools, startTimeoutMs: 20_000 })).rejects.toThrow(
      /kube-apiserver exited \(1\) before it was ready/,
    );
    expect(processesMentioning(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it("leaves no process behind when the process that started it crashes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cfsaas-cp-crash-"));
    const script = [
      `import { startControlPlane } from ${JSON.stringify(resolve("src/controlplane/control-plane.ts"))};`,
      `const plane = await startControlPlane({ dir: ${JSON.stringify(dir)} });`,
      `console.log(plane.processes.map((p) => p.pid).join(","));`,
      `throw new Error("a test crashed");`,
    ].join("\n");
    const crashed = await runCommand(process.execPath, ["--input-type=module", "-e", script]);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toContain("a test crashed");
    expect(crashed.stdout.trim().split(",")).toHaveLength(2);
    expect(processesMentioning(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});
