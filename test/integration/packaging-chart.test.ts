import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import type { FallbackOrigin } from "../../src/api/fallback-origin.ts";
import { locateTools } from "../../src/controlplane/tools.ts";
import { runCommand, useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  getObject,
  type OperatorProcess,
  startOperator,
  startSaasWorld,
} from "../support/operator.ts";

const chartPath = resolve("charts/cfsaas-operator");
// helm is built without Kubernetes-version ldflags; the chart's kubeVersion needs a real one.
const kubeVersion = ["--kube-version", "1.37.2"];

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * The chart as it will ship. Another engineer writes files/prometheus-rules.yaml and files/grafana-dashboard.json;
 * until both exist, a temporary copy stands in a placeholder for the missing one so the templates can render.
 */
async function shippableChart(): Promise<string> {
  const placeholders: Record<string, string> = {
    "files/prometheus-rules.yaml": "groups:\n  - name: placeholder\n    rules: []\n",
    "files/grafana-dashboard.json": '{"title": "placeholder", "panels": []}\n',
  };
  const missing = Object.keys(placeholders).filter((file) => !existsSync(join(chartPath, file)));
  if (missing.length === 0) return chartPath;
  const copy = join(await mkdtemp(join(tmpdir(), "cfsaas-chart-")), "cfsaas-operator");
  await cp(chartPath, copy, { recursive: true });
  for (const file of missing) await writeFile(join(copy, file), placeholders[file]!);
  return copy;
}

function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

async function helm(args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  return runCommand(locateTools().helm, args, options);
}

async function renderChart(chart: string, release: string, namespace: string, args: string[] = []) {
  const result = await helm(["template", release, chart, "--namespace", namespace, ...kubeVersion, ...args]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return { text: result.stdout, manifests: parseManifests(result.stdout) };
}

const waitLong = { timeout: 60_000, interval: 250 };

function readiness(
  object: { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined,
) {
  return object?.status?.conditions?.find((condition) => condition.type === "Ready")?.status;
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => m.kind).join(", ")}`);
  return found;
}

interface Container {
  args: string[];
  [field: string]: unknown;
}

function operatorContainer(deployment: Manifest): Container {
  const spec = deployment.spec as { template: { spec: { containers: Container[] } } };
  return spec.template.spec.containers[0]!;
}

let chart: string;
const fullValues = ["--values", join(chartPath, "ci/full-values.yaml")];

beforeAll(async () => {
  chart = await shippableChart();
});

afterAll(async () => {
  if (chart !== undefined && chart !== chartPath) await rm(dirname(chart), { recursive: true, force: true });
});

describe("the Helm chart", () => {
  it("carries CRDs identical byte for byte to the repository's crds/, as do the plain manifests", async () => {
    const sources = (await readdir("crds")).sort();
    expect(sources.length).toBeGreaterThan(0);
    for (const copies of [join(chartPath, "crds"), "deploy/crds"]) {
      expect((await readdir(copies)).sort()).toEqual(sources);
      for (const file of sources) {
        expect(await readFile(join(copies, file)), `${copies}/${file}`).toEqual(
          await readFile(join("crds", file)),
        );
      }
    }
  });

  it.each([
    ["default values", []],
    ["every value set (ci/full-values.yaml)", fullValues],
  ])("passes helm lint --strict with %s", async (_name, args) => {
    const result = await helm(["lint", chart, "--strict", ...kubeVersion, ...args]);
    expect(result.stderr + result.stdout).not.toMatch(/\[(WARNING|ERROR)\]|Fail:/);
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it.each([
    [["--set", "replicas=two"], "at '/replicas': got string, want integer"],
    [["--set", "replicas=0"], "at '/replicas': minimum: got 0, want 1"],
    [["--set", "logLevel=verbose"], "at '/logLevel': value must be one of 'trace'"],
    [["--set", "pageSize=2"], "at '/pageSize': minimum: got 2, want 5"],
    [["--set", "metrics.port=http"], "at '/metrics/port': got string, want integer"],
    [["--set", "metrics.port=70000"], "at '/metrics/port': maximum"],
    [["--set", "image.repository=null"], "missing property 'repository'"],
    [["--set", "image.repository="], "at '/image/repository': minLength"],
    [["--set", "image.pullPolicy=Sometimes"], "at '/image/pullPolicy': value must be one of"],
    [["--set", "requestBudget=fast"], "at '/requestBudget': 'fast' does not match pattern"],
    [["--set", "zonePollInterval=5 minutes"], "at '/zonePollInterval': '5 minutes' does not match"],
    [["--set", "cloudflare.apiUrl=api.cloudflare.com"], "at '/cloudflare/apiUrl'"],
    [["--set", "serviceMonitor.enabled=yes"], "at '/serviceMonitor/enabled': got string, want boolean"],
    [["--set", "perObjectMetrics=off"], "at '/perObjectMetrics': got string, want boolean"],
    [["--set", "credentialsNamespace=Cloudflare_Secrets"], "at '/credentialsNamespace'"],
    [["--set", "replica=2"], "additional properties 'replica' not allowed"],
  ])("refuses %j with a message naming the field", async (args, message) => {
    const result = await helm(["template", "cfsaas-operator", chart, ...kubeVersion, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(message);
  });

  it("runs one replica without leader election, replaced (not rolled) on upgrade so two never overlap", async () => {
    const { manifests } = await renderChart(chart, "cfsaas-operator", "operators");
    const deployment = find(manifests, "Deployment", "cfsaas-operator");
    expect(operatorContainer(deployment).args).toContain("--leader-elect=false");
    expect((deployment.spec as { strategy?: unknown }).strategy).toEqual({ type: "Recreate" });
    // The credentials namespace defaults to the release namespace.
    expect(operatorContainer(deployment).args).toContain("--credentials-namespace=operators");
    expect(find(manifests, "Role", "cfsaas-operator-credentials").metadata.namespace).toBe("operators");
    const optional = manifests.filter((m) =>
      /ServiceMonitor|PrometheusRule|PodDisruptionBudget|ConfigMap/.test(m.kind),
    );
    expect(optional).toEqual([]);
  });

  it("turns every value into the operator's flags, with leader election once there are several replicas", async () => {
    const { manifests } = await renderChart(chart, "platform", "operators", fullValues);
    const deployment = find(manifests, "Deployment", "cfsaas");
    expect((deployment.spec as { replicas: number }).replicas).toBe(3);
    expect((deployment.spec as { strategy?: unknown }).strategy).toBeUndefined();
    const container = operatorContainer(deployment);
    expect(container.image).toBe("registry.example.com/platform/cfsaas-operator:0.1.0-rc.1");
    expect(container.args).toEqual([
      "run",
      "--credentials-namespace=cloudflare-credentials",
      "--cloudflare-api-url=https://api.cloudflare.com/client/v4",
      "--workers=8",
      "--request-budget=1100/300",
      "--page-size=1000",
      "--zone-poll-interval=2m",
      "--log-level=debug",
      "--metrics-address=:9090",
      "--per-object-metrics=false",
      "--leader-elect=true",
    ]);
    expect(find(manifests, "Role", "cfsaas-credentials").metadata.namespace).toBe("cloudflare-credentials");
    expect(find(manifests, "Role", "cfsaas-leader-election").metadata.namespace).toBe("operators");
    expect(find(manifests, "ServiceMonitor", "cfsaas").spec).toMatchObject({
      endpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }],
    });
    expect(find(manifests, "PodDisruptionBudget", "cfsaas").spec).toMatchObject({ minAvailable: 2 });
    const dashboard = find(manifests, "ConfigMap", "cfsaas-dashboard");
    expect(dashboard.metadata.labels?.grafana_dashboard).toBe("1");
    expect((dashboard.data as Record<string, string>)["cfsaas-operator.json"]).toBe(
      (await readFile(join(chart, "files/grafana-dashboard.json"), "utf8")).trimEnd(),
    );
    const rules = find(manifests, "PrometheusRule", "cfsaas");
    const shipped = parseManifests(await readFile(join(chart, "files/prometheus-rules.yaml"), "utf8"))[0];
    expect(rules.spec).toEqual(shipped);
  });

  it("matches the plain manifests in deploy/ in RBAC, args, probes, ports and security context", async () => {
    const { manifests: chartManifests } = await renderChart(chart, "cfsaas-operator", "cfsaas-system");
    const kustomized = await runCommand("kubectl", ["kustomize", "deploy"]);
    expect(kustomized.code, kustomized.stderr).toBe(0);
    const deployManifests = parseManifests(kustomized.stdout);
    const identity = (m: Manifest) => `${m.kind} ${m.metadata.namespace ?? ""}/${m.metadata.name}`;
    expect(deployManifests.map(identity)).toEqual(expect.arrayContaining(chartManifests.map(identity)));

    for (const fromChart of chartManifests) {
      const fromDeploy = find(
        deployManifests.filter((m) => m.metadata.namespace === fromChart.metadata.namespace),
        fromChart.kind,
        fromChart.metadata.name,
      );
      const label = identity(fromChart);
      switch (fromChart.kind) {
        case "ClusterRole":
        case "Role":
          expect(fromDeploy.rules, label).toEqual(fromChart.rules);
          break;
        case "ClusterRoleBinding":
        case "RoleBinding":
          expect(fromDeploy.roleRef, label).toEqual(fromChart.roleRef);
          expect(fromDeploy.subjects, label).toEqual(fromChart.subjects);
          break;
        case "Service":
          expect(fromDeploy.spec, label).toEqual(fromChart.spec);
          break;
        case "Deployment": {
          const { template: deployTemplate, ...deploySpec } = fromDeploy.spec as { template: unknown };
          const { template: chartTemplate, ...chartSpec } = fromChart.spec as { template: unknown };
          expect(deploySpec, label).toEqual(chartSpec);
          expect(deployTemplate, label).toEqual(chartTemplate);
          break;
        }
      }
    }
  });
});

// Minimal stand-ins for the Prometheus Operator's CRDs, so ServiceMonitor and PrometheusRule dry-run for real.
const monitoringCrds = ["ServiceMonitor", "PrometheusRule"].map((kind) => {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: "monitoring.coreos.com",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            },
          },
        },
      ],
    },
  };
});

describe("the chart and deploy/ against a real API server", () => {
  const cluster = useControlPlane();

  async function kubectl(args: string[], input?: string) {
    const result = await cluster.kubectl(args, { input });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  }

  beforeAll(async () => {
    await kubectl(["apply", "-f", "crds/"]);
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: monitoringCrds }),
    );
    await kubectl([
      "wait",
      "--for=condition=Established",
      "crd/customhostnames.cfsaas.dev",
      "crd/fallbackorigins.cfsaas.dev",
      "crd/servicemonitors.monitoring.coreos.com",
      "crd/prometheusrules.monitoring.coreos.com",
    ]);
  });

  async function dryRun(text: string) {
    const result = await cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], { input: text });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return result.stdout;
  }

  it("accepts the chart rendered with default values", async () => {
    const namespace = await cluster.namespace("release");
    const { text, manifests } = await renderChart(chart, "cfsaas-operator", namespace);
    const applied = await dryRun(text);
    for (const manifest of manifests)
      expect(applied).toContain(`/${manifest.metadata.name} created (server dry run)`);
  });

  it("accepts the chart rendered with every value set, monitoring objects included", async () => {
    const namespace = await cluster.namespace("release");
    await kubectl(["create", "namespace", "cloudflare-credentials"]);
    const { text, manifests } = await renderChart(chart, "platform", namespace, fullValues);
    expect(manifests.map((m) => m.kind)).toEqual(
      expect.arrayContaining(["ServiceMonitor", "PrometheusRule", "PodDisruptionBudget", "ConfigMap"]),
    );
    const applied = await dryRun(text);
    expect(applied).toContain("servicemonitor.monitoring.coreos.com/cfsaas created (server dry run)");
    expect(applied).toContain("prometheusrule.monitoring.coreos.com/cfsaas created (server dry run)");
  });

  it("installs with helm install, and upgrades and uninstalls as docs/install.md says", async () => {
    const namespace = await cluster.namespace("helm");
    const asAdmin = { env: { ...process.env, KUBECONFIG: cluster.plane.kubeconfigPath } };
    const helmOk = async (args: string[]) => {
      const result = await helm([...args, "--namespace", namespace], asAdmin);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout;
    };
    const operatorDeployment = async () =>
      JSON.parse(
        await kubectl(["get", "deployment", "upgraded-cfsaas-operator", "-n", namespace, "-o", "json"]),
      ) as Manifest & {
        spec: { strategy: { type: string }; template: { spec: { containers: Container[] } } };
      };

    expect(await helmOk(["install", "upgraded", chart])).toContain("STATUS: deployed");
    expect((await operatorDeployment()).spec.strategy.type).toBe("Recreate");

    // Helm leaves crds/ alone on upgrade; the documented command must apply over CRDs another tool created.
    await kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(chart, "crds")]);
    await helmOk(["upgrade", "upgraded", chart, "--reuse-values", "--set", "replicas=2"]);
    let deployment = await operatorDeployment();
    expect(deployment.spec.strategy.type).toBe("RollingUpdate");
    expect(operatorContainer(deployment).args).toContain("--leader-elect=true");
    // And back: Recreate must not be refused because of the RollingUpdate parameters left on the live object.
    await helmOk(["upgrade", "upgraded", chart, "--reuse-values", "--set", "replicas=1"]);
    deployment = await operatorDeployment();
    expect(deployment.spec.strategy.type).toBe("Recreate");
    expect(operatorContainer(deployment).args).toContain("--leader-elect=false");

    await helmOk(["uninstall", "upgraded"]);
    expect(await kubectl(["get", "crd", "customhostnames.cfsaas.dev", "-o", "name"])).toContain(
      "customhostnames.cfsaas.dev",
    );
  });

  it("accepts kubectl apply -k deploy/", async () => {
    // Namespaced objects cannot be dry-run into a namespace that does not exist yet.
    await kubectl(["create", "namespace", "cfsaas-system", "--save-config"]);
    const result = await cluster.kubectl(["apply", "--dry-run=server", "-k", "deploy"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("deployment.apps/cfsaas-operator created (server dry run)");
    expect(result.stdout).toContain(
      "clusterrole.rbac.authorization.k8s.io/cfsaas-operator created (server dry run)",
    );
  });

  describe("the chart's ServiceAccount, with its RBAC applied", () => {
    let release: string;
    let credentials: string;
    let tenant: string;
    let serviceAccount: string;

    beforeAll(async () => {
      release = await cluster.namespace("release");
      credentials = await cluster.namespace("credentials");
      tenant = await cluster.namespace("tenant");
      serviceAccount = `system:serviceaccount:${release}:cfsaas-operator`;
      const { text } = await renderChart(chart, "cfsaas-operator", release, [
        "--set",
        `credentialsNamespace=${credentials}`,
      ]);
      await kubectl(["apply", "-f", "-"], text);
    });

    async function canI(args: string[]): Promise<string> {
      const result = await cluster.kubectl(["auth", "can-i", ...args, `--as=${serviceAccount}`]);
      return result.stdout.trim();
    }

    const allowed: Array<
      [string, (ns: { release: string; credentials: string; tenant: string }) => string[]]
    > = [
      [
        "list custom hostnames in every namespace",
        () => ["list", "customhostnames.cfsaas.dev", "--all-namespaces"],
      ],
      [
        "watch custom hostnames in a tenant namespace",
        (ns) => ["watch", "customhostnames.cfsaas.dev", "-n", ns.tenant],
      ],
      [
        "patch a custom hostname (its finalizers)",
        (ns) => ["patch", "customhostnames.cfsaas.dev", "-n", ns.tenant],
      ],
      [
        "update a custom hostname's status",
        (ns) => ["update", "customhostnames.cfsaas.dev", "--subresource=status", "-n", ns.tenant],
      ],
      ["list fallback origins", () => ["list", "fallbackorigins.cfsaas.dev"]],
      ["watch fallback origins", () => ["watch", "fallbackorigins.cfsaas.dev"]],
      ["patch a fallback origin (its finalizers)", () => ["patch", "fallbackorigins.cfsaas.dev"]],
      [
        "update a fallback origin's status",
        () => ["update", "fallbackorigins.cfsaas.dev", "--subresource=status"],
      ],
      ["get a Secret in the credentials namespace", (ns) => ["get", "secrets", "-n", ns.credentials]],
      ["list Secrets in the credentials namespace", (ns) => ["list", "secrets", "-n", ns.credentials]],
      ["watch Secrets in the credentials namespace", (ns) => ["watch", "secrets", "-n", ns.credentials]],
      ["create events beside a custom hostname", (ns) => ["create", "events.events.k8s.io", "-n", ns.tenant]],
      [
        "create events for fallback origins in default",
        () => ["create", "events.events.k8s.io", "-n", "default"],
      ],
      [
        "create its Lease in its own namespace",
        (ns) => ["create", "leases.coordination.k8s.io", "-n", ns.release],
      ],
      [
        "get its Lease in its own namespace",
        (ns) => ["get", "leases.coordination.k8s.io/cfsaas-operator", "-n", ns.release],
      ],
      [
        "update its Lease in its own namespace",
        (ns) => ["update", "leases.coordination.k8s.io/cfsaas-operator", "-n", ns.release],
      ],
    ];
    const denied: typeof allowed = [
      ["get a Secret in its own namespace", (ns) => ["get", "secrets", "-n", ns.release]],
      ["get a Secret in a tenant namespace", (ns) => ["get", "secrets", "-n", ns.tenant]],
      ["list Secrets cluster-wide", () => ["list", "secrets", "--all-namespaces"]],
      ["create a Secret in the credentials namespace", (ns) => ["create", "secrets", "-n", ns.credentials]],
      ["update a Secret in the credentials namespace", (ns) => ["update", "secrets", "-n", ns.credentials]],
      ["delete a custom hostname", (ns) => ["delete", "customhostnames.cfsaas.dev", "-n", ns.tenant]],
      ["create a custom hostname", (ns) => ["create", "customhostnames.cfsaas.dev", "-n", ns.tenant]],
      ["update a custom hostname's spec", (ns) => ["update", "customhostnames.cfsaas.dev", "-n", ns.tenant]],
      ["delete a fallback origin", () => ["delete", "fallbackorigins.cfsaas.dev"]],
      ["create pods", (ns) => ["create", "pods", "-n", ns.release]],
      ["get ConfigMaps", (ns) => ["get", "configmaps", "-n", ns.release]],
      ["create core v1 events", (ns) => ["create", "events", "-n", ns.tenant]],
      ["delete events", (ns) => ["delete", "events.events.k8s.io", "-n", ns.tenant]],
      [
        "update a Lease of the same name in another namespace",
        (ns) => ["update", "leases.coordination.k8s.io/cfsaas-operator", "-n", ns.credentials],
      ],
      [
        "update another Lease in its own namespace",
        (ns) => ["update", "leases.coordination.k8s.io/kube-scheduler", "-n", ns.release],
      ],
      [
        "delete its Lease",
        (ns) => ["delete", "leases.coordination.k8s.io/cfsaas-operator", "-n", ns.release],
      ],
      ["change its own RBAC", () => ["escalate", "clusterroles.rbac.authorization.k8s.io"]],
      ["edit CRDs", () => ["update", "customresourcedefinitions.apiextensions.k8s.io"]],
    ];

    it.each(allowed)("may %s", async (_what, args) => {
      expect(await canI(args({ release, credentials, tenant }))).toBe("yes");
    });

    it.each(denied)("may not %s", async (_what, args) => {
      expect(await canI(args({ release, credentials, tenant }))).toBe("no");
    });

    it("is enough for the operator's whole life cycle, run with that ServiceAccount's token", async () => {
      const world = await startSaasWorld();
      let operator: OperatorProcess | undefined;
      try {
        await kubectl([
          "create",
          "secret",
          "generic",
          "cloudflare-api",
          "-n",
          credentials,
          `--from-literal=apiToken=${world.token}`,
        ]);
        const token = (await kubectl(["create", "token", "cfsaas-operator", "-n", release])).trim();
        operator = await startOperator({
          kubeconfig: await cluster.plane.kubeconfigForToken(token),
          cloudflareApiUrl: world.simulator.url,
          extraArgs: [
            `--credentials-namespace=${credentials}`,
            "--leader-elect",
            `--leader-election-namespace=${release}`,
          ],
        });
        await applyManifest(cluster, {
          apiVersion: "cfsaas.dev/v1alpha1",
          kind: "FallbackOrigin",
          metadata: { name: "saas-zone" },
          spec: {
            zoneId: world.zoneId,
            origin: "proxy-fallback.saasprovider.com",
            cnameTarget: "customers.saasprovider.com",
            credentialsRef: { name: "cloudflare-api" },
          },
        });
        await vi.waitFor(async () => {
          const origin = await getObject<FallbackOrigin>(cluster, ["fallbackorigin", "saas-zone"]);
          expect(readiness(origin)).toBe("True");
        }, waitLong);

        await applyManifest(cluster, {
          apiVersion: "cfsaas.dev/v1alpha1",
          kind: "CustomHostname",
          metadata: { name: "shop", namespace: tenant },
          spec: { hostname: "shop.rbac-customer.com", fallbackOriginRef: { name: "saas-zone" } },
        });
        const getHostname = () =>
          getObject<CustomHostname>(cluster, ["customhostname", "shop", "-n", tenant]);
        await vi.waitFor(async () => {
          const pending = await getHostname();
          expect(pending?.status?.hostnameId).toBeTruthy();
          expect(pending?.metadata.finalizers?.length).toBeGreaterThan(0);
        }, waitLong);
        await world.setDns([
          { type: "CNAME", name: "shop.rbac-customer.com", value: "customers.saasprovider.com" },
        ]);
        await vi.waitFor(async () => expect(readiness(await getHostname())).toBe("True"), waitLong);

        const lease = await getObject<{ spec: { holderIdentity?: string } }>(cluster, [
          "lease",
          "cfsaas-operator",
          "-n",
          release,
        ]);
        expect(lease?.spec.holderIdentity).toBeTruthy();
        const events = JSON.parse(
          await kubectl(["get", "events.events.k8s.io", "-n", tenant, "-o", "json"]),
        ) as {
          items: Array<{ reportingController?: string; regarding?: { name?: string } }>;
        };
        expect(events.items.filter((e) => e.reportingController === "cfsaas.dev/operator")).not.toEqual([]);

        await kubectl(["delete", "customhostname", "shop", "-n", tenant, "--timeout=60s"]);
        expect(
          (await world.cloudflareHostnames()).filter((h) => h.hostname === "shop.rbac-customer.com"),
        ).toEqual([]);
        // Best-effort writes (events) only log their failures: a 403 anywhere means the RBAC is short.
        expect(operator.output.filter((line) => /forbidden|"httpStatus":403/i.test(line))).toEqual([]);
      } finally {
        await operator?.stop();
        await world.close();
      }
    });
  });
});
