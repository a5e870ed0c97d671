import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import type { FallbackOrigin } from "../../src/api/fallback-origin.ts";
import { runCommand, useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  createCredentialsSecret,
  fallbackOriginManifest,
  getObject,
  leaseHolder,
  type OperatorProcess,
  startOperator,
  startSaasWorld,
  waitLong,
} from "../support/operator.ts";

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
  spec?: { template?: { spec: { containers: Array<{ args: string[] }> } } };
}

const overlayNamespace = "platform-cfsaas";

function ready(object: { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined) {
  return object?.status?.conditions?.find((condition) => condition.type === "Ready")?.status;
}

/**
 * The overlay a platform team writes to install deploy/ into its own namespace: nothing but `namespace:`. The
 * operator must then read its credentials from that namespace (POD_NAMESPACE), where the overlay moved its Role.
 */
describe("a kustomize overlay of deploy/ into another namespace", () => {
  const cluster = useControlPlane();
  let overlay: string;
  let rendered: string;
  let manifests: Manifest[];

  beforeAll(async () => {
    overlay = await mkdtemp(join(tmpdir(), "cfsaas-overlay-"));
    await writeFile(
      join(overlay, "kustomization.yaml"),
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        `namespace: ${overlayNamespace}`,
        "resources:",
        `  - ${relative(overlay, resolve("deploy"))}`,
        "",
      ].join("\n"),
    );
    const result = await runCommand("kubectl", ["kustomize", overlay]);
    expect(result.code, result.stderr).toBe(0);
    rendered = result.stdout;
    manifests = parseAllDocuments(rendered)
      .map((document) => document.toJS() as Manifest | null)
      .filter((manifest): manifest is Manifest => manifest !== null);
  });

  afterAll(async () => {
    if (overlay) await rm(overlay, { recursive: true, force: true });
  });

  it("moves every namespaced object, binding subject and the Namespace itself, and pins no namespace in a flag", () => {
    const namespaces = new Set(
      manifests.flatMap((m) => (m.metadata.namespace ? [m.metadata.namespace] : [])),
    );
    expect([...namespaces]).toEqual([overlayNamespace]);
    expect(manifests.find((m) => m.kind === "Namespace")?.metadata.name).toBe(overlayNamespace);
    const subjects = manifests.flatMap((m) => m.subjects ?? []);
    expect(subjects.length).toBeGreaterThan(0);
    for (const subject of subjects) expect(subject).toMatchObject({ namespace: overlayNamespace });
    const deployment = manifests.find((m) => m.kind === "Deployment");
    const args = deployment?.spec?.template?.spec.containers[0]?.args ?? [];
    expect(args[0]).toBe("run");
    expect(args.filter((arg) => /namespace|leader-elect/.test(arg))).toEqual([]);
  });

  it("lets the operator, run with the overlay's ServiceAccount token and only POD_NAMESPACE set, do its whole job", async () => {
    const apply = await cluster.kubectl(["apply", "--server-side", "-f", "-"], { input: rendered });
    expect(apply.code, apply.stderr).toBe(0);
    const established = await cluster.kubectl([
      "wait",
      "--for=condition=Established",
      "crd/customhostnames.cfsaas.dev",
      "crd/fallbackorigins.cfsaas.dev",
    ]);
    expect(established.code, established.stderr).toBe(0);

    const serviceAccount = `system:serviceaccount:${overlayNamespace}:cfsaas-operator`;
    const canI = async (args: string[]) =>
      (await cluster.kubectl(["auth", "can-i", ...args, `--as=${serviceAccount}`])).stdout.trim();
    expect(await canI(["list", "secrets", "-n", overlayNamespace])).toBe("yes");
    expect(await canI(["update", "leases.coordination.k8s.io/cfsaas-operator", "-n", overlayNamespace])).toBe(
      "yes",
    );
    expect(await canI(["list", "secrets", "-n", "cfsaas-system"])).toBe("no");

    const world = await startSaasWorld();
    let operator: OperatorProcess | undefined;
    try {
      await createCredentialsSecret(cluster, overlayNamespace, world.token);
      const token = await cluster.kubectl(["create", "token", "cfsaas-operator", "-n", overlayNamespace]);
      expect(token.code, token.stderr).toBe(0);
      operator = await startOperator({
        kubeconfig: await cluster.plane.kubeconfigForToken(token.stdout.trim()),
        cloudflareApiUrl: world.simulator.url,
        // As the Deployment runs it: no namespace flag, the downward API's POD_NAMESPACE.
        credentialsNamespace: null,
        env: { POD_NAMESPACE: overlayNamespace },
      });
      const metricsUrl = operator.metricsUrl;
      await vi.waitFor(async () => expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200), waitLong);

      await applyManifest(cluster, fallbackOriginManifest(world, "overlay-zone"));
      await vi.waitFor(async () => {
        expect(ready(await getObject<FallbackOrigin>(cluster, ["fallbackorigin", "overlay-zone"]))).toBe(
          "True",
        );
      }, waitLong);
      const tenant = await cluster.namespace("tenant");
      await applyManifest(cluster, {
        apiVersion: "cfsaas.dev/v1alpha1",
        kind: "CustomHostname",
        metadata: { name: "shop", namespace: tenant },
        spec: { hostname: "shop.overlay-customer.com", fallbackOriginRef: { name: "overlay-zone" } },
      });
      await world.setDns([
        { type: "CNAME", name: "shop.overlay-customer.com", value: "customers.saasprovider.com" },
      ]);
      await vi.waitFor(async () => {
        expect(
          ready(await getObject<CustomHostname>(cluster, ["customhostname", "shop", "-n", tenant])),
        ).toBe("True");
      }, waitLong);

      expect(await leaseHolder(cluster, overlayNamespace)).toBeTruthy();
      expect(operator.output.filter((line) => /forbidden|"httpStatus":403/i.test(line))).toEqual([]);
    } finally {
      await operator?.stop();
      await world.close();
    }
  });
});
