import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { connectToKube, kubeconfigConnection } from "./connection.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cfsaas-connection-"));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443/", ...cluster } }],
      users: [{ name: "u", user }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  return path;
}

describe("connectToKube", () => {
  it("refuses at once outside a pod without a kubeconfig, saying what to pass", async () => {
    await expect(connectToKube(undefined, {})).rejects.toThrow(/--kubeconfig=PATH \(or set KUBECONFIG\)/);
    await expect(connectToKube(undefined, { KUBERNETES_SERVICE_HOST: "10.0.0.1" })).rejects.toThrow(
      /KUBERNETES_SERVICE_PORT/,
    );
  });

  it("uses the pod's service account where Kubernetes says where the API server is, and reads a rotated token", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    writeFileSync(join(dir, "ca.crt"), "not checked before a connection is made");
    writeFileSync(join(dir, "token"), "first\n");
    const env = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
    const connection = await connectToKube(undefined, env, dir);
    expect(connection.server).toBe("https://10.96.0.1:443");
    expect((await connection.prepare()).headers).toEqual({ authorization: "Bearer first" });
    // The kubelet rewrites the file well before the token expires; it is read again after a minute.
    writeFileSync(join(dir, "token"), "second\n");
    expect((await connection.prepare()).headers.authorization).toBe("Bearer first");
    vi.advanceTimersByTime(60_000);
    expect((await connection.prepare()).headers.authorization).toBe("Bearer second");

    const ipv6 = await connectToKube(
      undefined,
      { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
      dir,
    );
    expect(ipv6.server).toBe("https://[fd00::1]:443");
  });

  it("prefers the kubeconfig given", async () => {
    const connection = await connectToKube(kubeconfig({ token: "t" }), {
      KUBERNETES_SERVICE_HOST: "10.96.0.1",
      KUBERNETES_SERVICE_PORT: "443",
    });
    expect(connection.server).toBe("https://127.0.0.1:6443");
  });
});

describe("kubeconfigConnection", () => {
  it("refuses at once a kubeconfig that names no current cluster", async () => {
    const path = join(dir, "kubeconfig");
    writeFileSync(path, "{}");
    await expect(kubeconfigConnection(path)).rejects.toThrow(`the kubeconfig ${path} has no current cluster`);
  });

  it("reads YAML as well as JSON, and sends the user's token", async () => {
    const path = join(dir, "kubeconfig.yaml");
    writeFileSync(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: x",
        "clusters:",
        "- name: c",
        "  cluster: {server: 'https://kube.example:6443', insecure-skip-tls-verify: true}",
        "users:",
        "- name: u",
        "  user: {token: from-yaml}",
        "contexts:",
        "- name: x",
        "  context: {cluster: c, user: u}",
      ].join("\n"),
    );
    const connection = await kubeconfigConnection(path);
    expect(connection.server).toBe("https://kube.example:6443");
    expect((await connection.prepare()).headers).toEqual({ authorization: "Bearer from-yaml" });
  });

  it("reads files named relative to the kubeconfig, and sends no header for a client certificate", async () => {
    writeFileSync(join(dir, "ca.pem"), "ca");
    writeFileSync(join(dir, "client.pem"), "cert");
    writeFileSync(join(dir, "client.key"), "key");
    const path = kubeconfig(
      { "client-certificate": "client.pem", "client-key": "client.key" },
      { "certificate-authority": "ca.pem" },
    );
    expect((await (await kubeconfigConnection(path)).prepare()).headers).toEqual({});
    writeFileSync(join(dir, "token-file"), "from-file\n");
    const withTokenFile = await kubeconfigConnection(kubeconfig({ tokenFile: "token-file" }));
    expect((await withTokenFile.prepare()).headers).toEqual({ authorization: "Bearer from-file" });
    const absolute = await kubeconfigConnection(kubeconfig({ tokenFile: join(dir, "token-file") }));
    expect((await absolute.prepare()).headers).toEqual({ authorization: "Bearer from-file" });
    rmSync(join(dir, "ca.pem"));
    const missingCa = kubeconfig({ token: "t" }, { "certificate-authority": "ca.pem" });
    await expect(kubeconfigConnection(missingCa)).rejects.toThrow(/ca\.pem/);
  });

  it("merges a KUBECONFIG list as kubectl does: first current-context and first of each name win, missing files skipped", async () => {
    const write = (folder: string, config: object) => {
      mkdirSync(join(dir, folder), { recursive: true });
      writeFileSync(join(dir, folder, "config"), JSON.stringify(config));
      return join(dir, folder, "config");
    };
    // The first file names the context only; its cluster and user come from the files after it.
    const first = write("first", {
      contexts: [{ name: "work", context: { cluster: "prod", user: "deployer" } }],
      "current-context": "work",
    });
    const second = write("second", {
      clusters: [{ name: "prod", cluster: { server: "https://10.0.0.1:6443" } }],
      users: [{ name: "deployer", user: { tokenFile: "token" } }],
      "current-context": "other",
    });
    writeFileSync(join(dir, "second", "token"), "from-second\n");
    // A later file cannot take over a name an earlier one gave.
    const third = write("third", {
      clusters: [{ name: "prod", cluster: { server: "https://10.9.9.9:6443" } }],
      users: [{ name: "deployer", user: { token: "from-third" } }],
    });
    const missing = join(dir, "missing", "config");
    const connection = await kubeconfigConnection([first, missing, second, third].join(delimiter));
    expect(connection.server).toBe("https://10.0.0.1:6443");
    // The token file is found beside the file that names it, not beside the first one.
    expect((await connection.prepare()).headers).toEqual({ authorization: "Bearer from-second" });

    await expect(kubeconfigConnection([missing, join(dir, "none")].join(delimiter))).rejects.toThrow(
      /none of the kubeconfig files .* exists/,
    );
    // One file named alone must exist.
    await expect(kubeconfigConnection(missing)).rejects.toThrow(/ENOENT/);
  });

  it("hands a kubeconfig it does not read itself to @kubernetes/client-node: an exec credential plugin", async () => {
    const credential = {
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "from-exec-plugin" },
    };
    const path = kubeconfig({
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: process.execPath,
        args: ["-e", `console.log(${JSON.stringify(JSON.stringify(credential))})`],
        interactiveMode: "Never",
      },
    });
    const connection = await kubeconfigConnection(path);
    expect(connection.server).toBe("https://127.0.0.1:6443");
    expect((await connection.prepare()).headers.authorization).toBe("Bearer from-exec-plugin");
  });
});
