import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { type ControlPlane, startControlPlane } from "../../src/controlplane/control-plane.ts";
import { KubeApiClient } from "../../src/kube/api-client.ts";
import { type KubeConnection, kubeconfigConnection } from "../../src/kube/connection.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and reports its exit code instead of throwing. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export interface TestCluster {
  plane: ControlPlane;
  /** How the operator's own code reaches this control plane, as its admin. */
  connection: KubeConnection;
  /** kubectl against this control plane, as the admin unless another kubeconfig is given. */
  kubectl(args: string[], options?: { input?: string; kubeconfig?: string }): Promise<CommandResult>;
  /** A fresh namespace for one test; nothing is shared between tests through it. */
  namespace(prefix?: string): Promise<string>;
}

/**
 * One real etcd + kube-apiserver per test file, started before its tests and stopped after them even when they
 * fail. Properties are filled in by `beforeAll`, so read them inside tests only.
 */
export function useControlPlane(): TestCluster {
  const cluster = {} as TestCluster;
  beforeAll(async () => {
    const plane = await startControlPlane();
    const connection = await kubeconfigConnection(plane.kubeconfigPath);
    const api = new KubeApiClient(connection);
    Object.assign(cluster, {
      plane,
      connection,
      kubectl: (args: string[], options: { input?: string; kubeconfig?: string } = {}) =>
        runCommand("kubectl", args, {
          env: { ...process.env, KUBECONFIG: options.kubeconfig ?? plane.kubeconfigPath },
          input: options.input,
        }),
      async namespace(prefix = "test") {
        const name = `${prefix}-${randomBytes(4).toString("hex")}`;
        await api.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } });
        return name;
      },
    } satisfies TestCluster);
  });
  afterAll(async () => {
    await cluster.plane?.stop();
  });
  return cluster;
}
