import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { type CertificateFiles, createPki, issueCertificate, writeKubeconfig } from "./pki.ts";
import { freePort, type ManagedProcess, startProcess, waitUntilReady } from "./processes.ts";
import { type ControlPlaneTools, locateTools } from "./tools.ts";

export interface ControlPlaneOptions {
  /** Where certificates, etcd data, logs and the kubeconfig go; a new temporary folder when omitted. */
  dir?: string;
  tools?: ControlPlaneTools;
  /** Leave the servers running after this process exits (`npm run cluster:up`). */
  detached?: boolean;
  startTimeoutMs?: number;
}

export interface ControlPlane {
  dir: string;
  server: string;
  kubeconfigPath: string;
  caCert: string;
  processes: ManagedProcess[];
  /** A kubeconfig for another identity, authenticated by a client certificate from the cluster's CA. */
  kubeconfigFor(user: string, groups?: string[]): Promise<string>;
  /** Stops kube-apiserver and starts it again on the same port and etcd: every watch drops. */
  restartApiServer(): Promise<void>;
  /** A kubeconfig that authenticates with a bearer token, such as a service account's from TokenRequest. */
  kubeconfigForToken(token: string): Promise<string>;
  stop(): Promise<void>;
}

async function httpOk(url: string, dispatcher?: Agent): Promise<boolean> {
  const response = await request(url, { dispatcher, headersTimeout: 2_000, bodyTimeout: 2_000 });
  await response.body.dump();
  return response.statusCode === 200;
}

function kubeApiserverArgs(
  dir: string,
  etcdUrl: string,
  port: number,
  pki: Awaited<ReturnType<typeof createPki>>,
): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=127.0.0.1`,
    `--secure-port=${port}`,
    `--cert-dir=${dir}`,
    `--tls-cert-file=${pki.serving.cert}`,
    `--tls-private-key-file=${pki.serving.key}`,
    `--client-ca-file=${pki.caCert}`,
    "--authorization-mode=RBAC",
    `--service-account-issuer=https://127.0.0.1:${port}`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    // No controller-manager runs, so nothing would create the default ServiceAccount this plugin waits for.
    "--disable-admission-plugins=ServiceAccount",
    // Loopback is refused as an advertise address, and no Endpoints controller runs to use one anyway.
    "--endpoint-reconciler-type=none",
    "--allow-privileged=true",
  ];
}

/**
 * Starts a real etcd and kube-apiserver on free 127.0.0.1 ports (envtest style): TLS, RBAC, an admin client
 * certificate in system:masters, and service-account signing keys so TokenRequest works.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const tools = options.tools ?? locateTools();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "cfsaas-cp-")));
  const ownsDir = options.dir === undefined;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const processes: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const proc of [...processes].reverse()) await proc.stop();
  };
  try {
    const pki = await createPki(dir);
    const [etcdClientPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcd = startProcess({
      name: "etcd",
      command: tools.etcd,
      args: [
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        // Test data is disposable; fsync dominates etcd latency on shared disks.
        "--unsafe-no-fsync=true",
      ],
      logFile: join(dir, "etcd.log"),
      detached: options.detached,
    });
    processes.push(etcd);
    await waitUntilReady(etcd, () => httpOk(`${etcdUrl}/health`), timeoutMs);

    const server = `https://127.0.0.1:${apiPort}`;
    const startApiServer = async (): Promise<ManagedProcess> => {
      const apiserver = startProcess({
        name: "kube-apiserver",
        command: tools.kubeApiserver,
        args: kubeApiserverArgs(dir, etcdUrl, apiPort, pki),
        logFile: join(dir, "kube-apiserver.log"),
        detached: options.detached,
      });
      processes.push(apiserver);
      const tls = new Agent({
        connect: {
          ca: await readFile(pki.caCert),
          cert: await readFile(pki.admin.cert),
          key: await readFile(pki.admin.key),
        },
      });
      try {
        // /readyz includes the RBAC bootstrap post-start hook, so roles exist once it answers 200.
        await waitUntilReady(apiserver, () => httpOk(`${server}/readyz`, tls), timeoutMs);
      } finally {
        await tls.close();
      }
      return apiserver;
    };
    let apiserver = await startApiServer();

    const kubeconfigPath = join(dir, "admin.kubeconfig");
    await writeKubeconfig(kubeconfigPath, server, pki.caCert, { user: "admin", clientCert: pki.admin });
    let issued = 0;
    return {
      dir,
      server,
      kubeconfigPath,
      caCert: pki.caCert,
      processes,
      async kubeconfigFor(user, groups = []) {
        issued += 1;
        const subject = `/CN=${user}${groups.map((group) => `/O=${group}`).join("")}`;
        const cert: CertificateFiles = await issueCertificate(dir, `user-${issued}`, subject, "clientAuth");
        const path = join(dir, `user-${issued}.kubeconfig`);
        await writeKubeconfig(path, server, pki.caCert, { user, clientCert: cert });
        return path;
      },
      async kubeconfigForToken(token) {
        issued += 1;
        const path = join(dir, `token-${issued}.kubeconfig`);
        await writeKubeconfig(path, server, pki.caCert, { user: "token", token });
        return path;
      },
      async restartApiServer() {
        await apiserver.stop();
        processes.splice(processes.indexOf(apiserver), 1);
        apiserver = await startApiServer();
      },
      async stop() {
        await stopAll();
        if (ownsDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    const logs = await Promise.all(
      processes.map(async (proc) => {
        const text = await readFile(proc.logFile, "utf8").catch(() => "");
        return `--- ${proc.name} (last lines of ${proc.logFile}) ---\n${text.split("\n").slice(-15).join("\n")}`;
      }),
    );
    if (ownsDir && !options.detached) await rm(dir, { recursive: true, force: true });
    throw new Error(`control plane failed to start: ${(error as Error).message}\n${logs.join("\n")}`, {
      cause: error,
    });
  }
}
