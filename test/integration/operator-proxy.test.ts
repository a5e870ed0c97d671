/**
 * The operator process with HTTPS_PROXY set, as a cluster whose egress must go through a proxy runs it: Cloudflare
 * is reached over https through CONNECT tunnels of a real proxy (TooTallNate's `proxy`), the Kubernetes API
 * directly. The simulator speaks plain http, so a TLS terminator with a certificate from the test control plane's
 * CA stands in front of it as Cloudflare's edge; the operator trusts that CA through NODE_EXTRA_CA_CERTS, the way
 * a cluster trusts a TLS-inspecting proxy's.
 */
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { type AddressInfo, connect, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import { type CertificateFiles, issueCertificate } from "../../src/controlplane/pki.ts";
import { useControlPlane } from "../support/control-plane.ts";
import { type RecordingProxy, startRecordingProxy } from "../support/egress-proxy.ts";
import {
  applyManifest,
  fallbackOriginManifest,
  getObject,
  installOperatorPrerequisites,
  type OperatorProcess,
  type SaasWorld,
  startOperator,
  startSaasWorld,
  waitForFallbackOriginReady,
  waitLong,
} from "../support/operator.ts";

interface TlsFront {
  port: number;
  /** TCP connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** Terminates TLS on 127.0.0.1 and pipes the bytes to the simulator: https in front of a plain-http server. */
async function startTlsFront(certificate: CertificateFiles, upstreamPort: number): Promise<TlsFront> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTlsServer(
    { cert: await readFile(certificate.cert), key: await readFile(certificate.key) },
    (client) => {
      const upstream = connect(upstreamPort, "127.0.0.1");
      sockets.add(upstream);
      upstream.once("close", () => sockets.delete(upstream));
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    async close() {
      const closed = once(server, "close");
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function readyCondition(
  object: { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined,
) {
  return object?.status?.conditions?.find((condition) => condition.type === "Ready");
}

describe("the operator process behind an egress proxy (HTTPS_PROXY)", () => {
  const cluster = useControlPlane();
  const proxyPassword = "pr0xy-pa55word";
  let world: SaasWorld;
  let proxy: RecordingProxy;
  let front: TlsFront;
  let operator: OperatorProcess;

  beforeAll(async () => {
    world = await startSaasWorld();
    proxy = await startRecordingProxy();
    proxy.requireAuthorization(`Basic ${Buffer.from(`egress:${proxyPassword}`).toString("base64")}`);
    const certificate = await issueCertificate(
      cluster.plane.dir,
      "cloudflare-edge",
      "/CN=cloudflare-edge",
      "serverAuth",
    );
    front = await startTlsFront(certificate, Number(new URL(world.simulator.url).port));
    await installOperatorPrerequisites(cluster, world.token);
    const proxyUrl = new URL(proxy.url);
    proxyUrl.username = "egress";
    proxyUrl.password = proxyPassword;
    operator = await startOperator({
      kubeconfig: cluster.plane.kubeconfigPath,
      cloudflareApiUrl: `https://127.0.0.1:${front.port}/client/v4`,
      // Both spellings of each variable, so none inherited from the machine running the tests interferes.
      env: {
        HTTPS_PROXY: proxyUrl.href,
        https_proxy: proxyUrl.href,
        HTTP_PROXY: "",
        http_proxy: "",
        NO_PROXY: "",
        no_proxy: "",
        NODE_EXTRA_CA_CERTS: cluster.plane.caCert,
      },
    });
  });

  afterAll(async () => {
    await operator?.stop();
    await front?.close();
    await proxy?.close();
    await world?.close();
  });

  it("says at start which proxy it uses, without its password", () => {
    const start = operator.logs.find((line) => line.msg === "starting cfsaas-operator");
    expect(start?.cloudflareProxy).toEqual({
      https: `http://***@127.0.0.1:${new URL(proxy.url).port}`,
      http: "direct",
      noProxy: [],
    });
    expect(operator.output.join("\n")).not.toContain(proxyPassword);
  });

  it("brings a hostname to Ready with every Cloudflare connection tunnelled through the proxy, and none to the API server", async () => {
    await applyManifest(cluster, fallbackOriginManifest(world));
    await waitForFallbackOriginReady(cluster);

    const namespace = await cluster.namespace("proxied");
    await world.setDns([
      { type: "CNAME", name: "app.proxied-customer.com", value: "customers.saasprovider.com" },
    ]);
    await applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name: "app", namespace },
      spec: { hostname: "app.proxied-customer.com", fallbackOriginRef: { name: "saas-zone" } },
    });
    await vi.waitFor(async () => {
      const hostname = await getObject<CustomHostname>(cluster, ["customhostname", "app", "-n", namespace]);
      expect(readyCondition(hostname)?.status).toBe("True");
    }, waitLong);

    // Stopped, so no tunnel is still being opened while the counts are compared.
    expect(await operator.stop()).toBe(0);
    expect((await world.stats()).total).toBeGreaterThan(0);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    // Every connection that reached "Cloudflare" came through a tunnel; the proxy carried nothing else: not the
    // Kubernetes API (the kube client ignores HTTPS_PROXY), not a plain request.
    expect(front.connections()).toBe(proxy.tunnels.length);
    expect(new Set(proxy.tunnels)).toEqual(new Set([`127.0.0.1:${front.port}`]));
    expect(proxy.forwarded).toEqual([]);
    expect(operator.output.join("\n")).not.toContain(proxyPassword);
  });
});
