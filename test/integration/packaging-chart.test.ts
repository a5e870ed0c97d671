import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import type { FallbackOrigin } from "../../src/api/fallback-origin.ts";
import { locateTools } from "../../src/controlplane/tools.ts";
import { runCommand, useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  createCredentialsSecret,
  getObject,
  installGatewayApiCrds,
  leaseHolder,
  type OperatorProcess,
  secondZoneId,
  startOperator,
  startSaasWorld,
  waitLong,
} from "../support/operator.ts";

const chart = resolve("charts/cfsaas-operator");
/** The last commit whose chart kept its CRDs in crds/ (chart 0.1.0 before templated CRDs): the upgrade's start. */
const previousChartCommit = "e6426eab3733d0d648fdcdf537360569a7a8fb06";
// helm is built without Kubernetes-version ldflags; the chart's kubeVersion needs a real one.
const kubeVersion = ["--kube-version", "1.37.2"];

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
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
  env?: unknown[];
  [field: string]: unknown;
}

function operatorContainer(deployment: Manifest): Container {
  const spec = deployment.spec as { template: { spec: { containers: Container[] } } };
  return spec.template.spec.containers[0]!;
}

const fullValues = ["--values", join(chart, "ci/full-values.yaml")];
/** Every ci/*-values.yaml: each must lint, render and pass a server-side dry run. */
const ciValueFiles = (await readdir(join(chart, "ci")))
  .filter((file) => file.endsWith("-values.yaml"))
  .sort();

describe("the Helm chart", () => {
  it("carries CRDs identical byte for byte to the repository's crds/, as do the plain manifests", async () => {
    const sources = (await readdir("crds")).sort();
    expect(sources.length).toBeGreaterThan(0);
    // Not the chart's crds/ folder, which Helm installs once and never upgrades: templates/crds.yaml renders these.
    expect(existsSync(join(chart, "crds"))).toBe(false);
    for (const copies of [join(chart, "files/crds"), "deploy/crds"]) {
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
    ...ciValueFiles.map((file) => [`ci/${file}`, ["--values", join(chart, "ci", file)]]),
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
    [["--set", "crds.enabled=no"], "at '/crds/enabled': got string, want boolean"],
    [["--set", "crds.keepCrds=true"], "additional properties 'keepCrds' not allowed"],
    [["--set", "image.digest=0123abcd"], "at '/image/digest': '0123abcd' does not match pattern"],
    [["--set", "commonLabels.team=null"], "at '/commonLabels/team': got null, want string"],
    [["--set", "proxy.httpsProxy=proxy.example.com:3128"], "at '/proxy/httpsProxy'"],
    [["--set", "proxy.noProxy=a b"], "at '/proxy/noProxy'"],
    [["--set", "proxy.https_proxy=http://proxy:3128"], "additional properties 'https_proxy' not allowed"],
    [["--set", "extraArgs[0]=leader-elect=false"], "at '/extraArgs/0': 'leader-elect=false' does not match"],
    [["--set", "extraEnv[0].value=x"], "at '/extraEnv/0': missing property 'name'"],
    [["--set", "envFrom[0]=null"], "at '/envFrom/0': got null, want object"],
    [["--set", "volumes[0].emptyDir.medium=Memory"], "at '/volumes/0': missing property 'name'"],
    [["--set", "volumeMounts[0].name=tmp,volumeMounts[0].mountPath=tmp"], "at '/volumeMounts/0/mountPath'"],
    [["--set", "serviceAccount.create=maybe"], "at '/serviceAccount/create': got string, want boolean"],
    [["--set", "serviceAccount.name=Operator"], "at '/serviceAccount/name'"],
    [
      ["--set", "serviceAccount.annotations.a=1"],
      "at '/serviceAccount/annotations/a': got number, want string",
    ],
    [["--set", "rbac.aggregateClusterRoles=1"], "at '/rbac/aggregateClusterRoles': got number, want boolean"],
    [["--set", "serviceMonitor.scrapeTimeout=10"], "at '/serviceMonitor/scrapeTimeout'"],
    [
      ["--set", "serviceMonitor.relabelings[0]=drop"],
      "at '/serviceMonitor/relabelings/0': got string, want object",
    ],
    [
      ["--set", "serviceMonitor.metricRelabelings=drop"],
      "at '/serviceMonitor/metricRelabelings': got string",
    ],
    [["--set", "grafanaDashboard.label="], "at '/grafanaDashboard/label'"],
    [
      ["--set", "grafanaDashboard.folderAnnotation=grafana folder"],
      "at '/grafanaDashboard/folderAnnotation'",
    ],
    [["--set", "grafanaDashboard.folder=1"], "at '/grafanaDashboard/folder': got number, want string"],
    [["--set", "networkPolicy.enabled=on"], "at '/networkPolicy/enabled': got string, want boolean"],
    [["--set", "networkPolicy.egress=all"], "at '/networkPolicy/egress': got string, want array"],
    [["--set", "podLabels.team=1"], "at '/podLabels/team': got number, want string"],
    [["--set", "priorityClassName=High_Priority"], "at '/priorityClassName'"],
    [
      ["--set", "topologySpreadConstraints[0].maxSkew=1"],
      "at '/topologySpreadConstraints/0': missing properties 'topologyKey', 'whenUnsatisfiable'",
    ],
  ])("refuses %j with a message naming the field", async (args, message) => {
    const result = await helm(["template", "cfsaas-operator", chart, ...kubeVersion, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(message);
  });

  it("rolls out with the default RollingUpdate and no namespace or leader-election flag: the operator's defaults", async () => {
    const { manifests } = await renderChart(chart, "cfsaas-operator", "operators");
    const deployment = find(manifests, "Deployment", "cfsaas-operator");
    expect((deployment.spec as { strategy?: unknown }).strategy).toBeUndefined();
    const container = operatorContainer(deployment);
    expect(container.image).toBe("ghcr.io/cfsaas/cfsaas-operator:0.1.0");
    // Leader election is on by default; the credentials namespace is the pod's own (POD_NAMESPACE).
    expect(container.args.filter((arg) => /leader-elect|namespace/.test(arg))).toEqual([]);
    expect(container.env).toEqual([
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    ]);
    expect(find(manifests, "Role", "cfsaas-operator-credentials").metadata.namespace).toBe("operators");
    expect(find(manifests, "ServiceAccount", "cfsaas-operator").metadata.namespace).toBe("operators");
    const optional = manifests.filter((m) =>
      /ServiceMonitor|PrometheusRule|PodDisruptionBudget|ConfigMap|NetworkPolicy/.test(m.kind),
    );
    expect(optional).toEqual([]);
    expect(
      manifests
        .filter((m) => m.kind === "ClusterRole")
        .map((m) => m.metadata.name)
        .sort(),
    ).toEqual(["cfsaas-operator", "cfsaas-operator-edit", "cfsaas-operator-view"]);
  });

  it("renders the CRDs from files/crds as templates, labelled and kept on uninstall, and nothing else changed", async () => {
    const sources = await Promise.all(
      (await readdir("crds")).sort().map(async (file) => parse(await readFile(join("crds", file), "utf8"))),
    );
    const crdsOf = (manifests: Manifest[]) =>
      manifests
        .filter((m) => m.kind === "CustomResourceDefinition")
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const kept = crdsOf((await renderChart(chart, "cfsaas-operator", "operators")).manifests);
    expect(kept.map((crd) => crd.metadata.name)).toEqual(sources.map((crd) => crd.metadata.name));
    for (const [index, crd] of kept.entries()) {
      const { labels, annotations, ...metadata } = crd.metadata as Manifest["metadata"] & {
        annotations?: Record<string, string>;
      };
      expect({ ...crd, metadata }).toEqual(sources[index]);
      expect(annotations).toEqual({ "helm.sh/resource-policy": "keep" });
      expect(labels).toMatchObject({
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "cfsaas-operator",
      });
    }
    const deletable = crdsOf(
      (await renderChart(chart, "r", "operators", ["--set", "crds.keep=false"])).manifests,
    );
    expect(deletable.map((crd) => (crd.metadata as { annotations?: unknown }).annotations)).toEqual([
      undefined,
      undefined,
    ]);
    const external = await renderChart(chart, "r", "operators", ["--set", "crds.enabled=false"]);
    expect(crdsOf(external.manifests)).toEqual([]);
  });

  it("turns every value into the operator's flags and the objects' fields (ci/full-values.yaml)", async () => {
    const { manifests } = await renderChart(chart, "platform", "operators", fullValues);
    const deployment = find(manifests, "Deployment", "cfsaas");
    expect((deployment.spec as { replicas: number }).replicas).toBe(3);
    const pod = (
      deployment.spec as { template: { metadata: Manifest["metadata"]; spec: Record<string, unknown> } }
    ).template;
    const container = operatorContainer(deployment);
    // A digest wins over the tag.
    expect(container.image).toBe(
      "registry.example.com/platform/cfsaas-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
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
      "--sources=gateway-httproute,ingress",
      "--validation-schedule-scale=1",
    ]);
    expect(container.env).toEqual([
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "HTTPS_PROXY", value: "http://proxy.example.com:3128" },
      { name: "HTTP_PROXY", value: "http://proxy.example.com:3128" },
      { name: "NO_PROXY", value: "kubernetes.default.svc,.svc,.cluster.local,10.0.0.0/8" },
      { name: "NODE_EXTRA_CA_CERTS", value: "/etc/ssl/corporate/ca.crt" },
    ]);
    expect(container.envFrom).toEqual([{ configMapRef: { name: "cfsaas-settings", optional: true } }]);
    expect(container.volumeMounts).toEqual([
      { name: "corporate-ca", mountPath: "/etc/ssl/corporate", readOnly: true },
    ]);
    expect(pod.spec.volumes).toEqual([{ name: "corporate-ca", configMap: { name: "corporate-ca" } }]);
    expect(pod.spec.priorityClassName).toBe("platform-critical");
    expect(pod.spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "app.kubernetes.io/name": "cfsaas-operator" } },
      },
    ]);
    expect(pod.metadata.labels).toEqual({
      "app.kubernetes.io/name": "cfsaas-operator",
      "app.kubernetes.io/instance": "platform",
      "example.com/team": "platform",
    });
    // The ServiceAccount, named and annotated, is the one every binding and the pod use.
    const serviceAccount = find(manifests, "ServiceAccount", "cfsaas-controller");
    expect((serviceAccount.metadata as { annotations?: unknown }).annotations).toEqual({
      "iam.gke.io/gcp-service-account": "cfsaas@example-project.iam.gserviceaccount.com",
    });
    expect(pod.spec.serviceAccountName).toBe("cfsaas-controller");
    for (const binding of manifests.filter((m) => m.kind.endsWith("RoleBinding"))) {
      expect(binding.subjects, binding.metadata.name).toEqual([
        { kind: "ServiceAccount", name: "cfsaas-controller", namespace: "operators" },
      ]);
    }
    for (const manifest of manifests) {
      expect(
        manifest.metadata.labels?.["example.com/cost-center"],
        `${manifest.kind} ${manifest.metadata.name}`,
      ).toBe("platform");
    }
    expect(find(manifests, "Role", "cfsaas-credentials").metadata.namespace).toBe("cloudflare-credentials");
    expect(find(manifests, "Role", "cfsaas-leader-election").metadata.namespace).toBe("operators");
    expect(find(manifests, "ServiceMonitor", "cfsaas").spec).toMatchObject({
      endpoints: [
        {
          port: "metrics",
          path: "/metrics",
          interval: "15s",
          scrapeTimeout: "10s",
          relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" }],
          metricRelabelings: [{ sourceLabels: ["__name__"], regex: "nodejs_.*", action: "drop" }],
        },
      ],
    });
    expect(find(manifests, "PodDisruptionBudget", "cfsaas").spec).toMatchObject({ minAvailable: 2 });
    const dashboard = find(manifests, "ConfigMap", "cfsaas-dashboard");
    expect(dashboard.metadata.labels?.grafana_dashboard).toBe("platform");
    expect((dashboard.metadata as { annotations?: unknown }).annotations).toEqual({
      grafana_folder: "Platform",
    });
    expect((dashboard.data as Record<string, string>)["cfsaas-operator.json"]).toBe(
      (await readFile(join(chart, "files/grafana-dashboard.json"), "utf8")).trimEnd(),
    );
    const rules = find(manifests, "PrometheusRule", "cfsaas");
    const shipped = parseManifests(await readFile(join(chart, "files/prometheus-rules.yaml"), "utf8"))[0];
    expect(rules.spec).toEqual(shipped);
    expect(find(manifests, "NetworkPolicy", "cfsaas").spec).toEqual({
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "cfsaas-operator",
          "app.kubernetes.io/instance": "platform",
        },
      },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          ports: [{ port: "metrics", protocol: "TCP" }],
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        },
      ],
      egress: [
        {
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
        {
          ports: [
            { port: 443, protocol: "TCP" },
            { port: 6443, protocol: "TCP" },
          ],
        },
        { to: [{ ipBlock: { cidr: "10.20.0.10/32" } }], ports: [{ port: 3128, protocol: "TCP" }] },
      ],
    });
  });

  it.each([
    [
      "image.tag",
      ["--set", "image.tag=0.2.0-rc.1"],
      (m: Manifest[]) => {
        expect(operatorContainer(find(m, "Deployment", "r-cfsaas-operator")).image).toBe(
          "ghcr.io/cfsaas/cfsaas-operator:0.2.0-rc.1",
        );
      },
    ],
    [
      "proxy.noProxy alone",
      ["--set", "proxy.noProxy=.internal"],
      (m: Manifest[]) => {
        expect(operatorContainer(find(m, "Deployment", "r-cfsaas-operator")).env).toContainEqual({
          name: "NO_PROXY",
          value: ".internal",
        });
        expect(
          JSON.stringify(operatorContainer(find(m, "Deployment", "r-cfsaas-operator")).env),
        ).not.toContain("HTTPS_PROXY");
      },
    ],
    [
      "extraArgs, quoted",
      ["--set-json", 'extraArgs=["--leader-elect=false","--zone-poll-interval=30s"]'],
      (m: Manifest[]) => {
        expect(operatorContainer(find(m, "Deployment", "r-cfsaas-operator")).args.slice(-2)).toEqual([
          "--leader-elect=false",
          "--zone-poll-interval=30s",
        ]);
      },
    ],
    [
      "serviceAccount.create=false",
      ["--set", "serviceAccount.create=false,serviceAccount.name=shared"],
      (m: Manifest[]) => {
        expect(m.filter((x) => x.kind === "ServiceAccount")).toEqual([]);
        const pod = (
          find(m, "Deployment", "r-cfsaas-operator").spec as {
            template: { spec: { serviceAccountName: string } };
          }
        ).template.spec;
        expect(pod.serviceAccountName).toBe("shared");
        expect(find(m, "ClusterRoleBinding", "r-cfsaas-operator").subjects).toEqual([
          { kind: "ServiceAccount", name: "shared", namespace: "operators" },
        ]);
      },
    ],
    [
      "rbac.aggregateClusterRoles=false",
      ["--set", "rbac.aggregateClusterRoles=false"],
      (m: Manifest[]) => {
        expect(m.filter((x) => x.kind === "ClusterRole").map((x) => x.metadata.name)).toEqual([
          "r-cfsaas-operator",
        ]);
      },
    ],
    [
      "networkPolicy with any scraper",
      ["--set", "networkPolicy.enabled=true"],
      (m: Manifest[]) => {
        const spec = find(m, "NetworkPolicy", "r-cfsaas-operator").spec as {
          ingress: unknown[];
          egress: unknown[];
        };
        expect(spec.ingress).toEqual([{ ports: [{ port: "metrics", protocol: "TCP" }] }]);
        expect(spec.egress).toHaveLength(2);
      },
    ],
    [
      "grafanaDashboard without a folder",
      ["--set", "grafanaDashboard.enabled=true"],
      (m: Manifest[]) => {
        const dashboard = find(m, "ConfigMap", "r-cfsaas-operator-dashboard");
        expect(dashboard.metadata.labels?.grafana_dashboard).toBe("1");
        expect((dashboard.metadata as { annotations?: unknown }).annotations).toBeUndefined();
      },
    ],
  ])("renders %s", async (_name, args, check) => {
    check((await renderChart(chart, "r", "operators", args as string[])).manifests);
  });

  it.each([
    [[], [], undefined],
    [["ingress"], ["ingresses"], "--sources=ingress"],
    [["gateway-httproute"], ["httproutes"], "--sources=gateway-httproute"],
    [["gateway-httproute", "ingress"], ["httproutes", "ingresses"], "--sources=gateway-httproute,ingress"],
  ])(
    "grants sources %j reading only their routes, and CustomHostname writes only with a source",
    async (sources, routes, flag) => {
      const { manifests } = await renderChart(chart, "cfsaas-operator", "operators", [
        "--set-json",
        `sources=${JSON.stringify(sources)}`,
      ]);
      const rules = (
        find(manifests, "ClusterRole", "cfsaas-operator") as unknown as {
          rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
        }
      ).rules;
      const routeRules = rules.filter((rule) =>
        rule.apiGroups.some(
          (group) => group === "gateway.networking.k8s.io" || group === "networking.k8s.io",
        ),
      );
      expect(routeRules.flatMap((rule) => rule.resources)).toEqual(routes);
      for (const rule of routeRules) expect(rule.verbs).toEqual(["list", "watch"]);
      const writes = rules.filter(
        (rule) => rule.resources.includes("customhostnames") && rule.verbs.includes("create"),
      );
      expect(writes).toEqual(
        sources.length > 0
          ? [
              {
                apiGroups: ["cfsaas.dev"],
                resources: ["customhostnames"],
                verbs: ["create", "update", "delete"],
              },
            ]
          : [],
      );
      const args = operatorContainer(find(manifests, "Deployment", "cfsaas-operator")).args;
      expect(args.filter((arg) => arg.startsWith("--sources"))).toEqual(flag ? [flag] : []);
    },
  );

  it("refuses a source the operator does not know", async () => {
    const result = await helm([
      "template",
      "r",
      chart,
      ...kubeVersion,
      "--set-json",
      'sources=["httproute"]',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("at '/sources/0': value must be one of 'gateway-httproute', 'ingress'");
  });

  it("grants people, through the aggregated ClusterRoles, CustomHostnames to edit and FallbackOrigins to read", async () => {
    const { manifests } = await renderChart(chart, "cfsaas-operator", "operators");
    const edit = find(manifests, "ClusterRole", "cfsaas-operator-edit");
    expect(edit.metadata.labels).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
      "rbac.authorization.k8s.io/aggregate-to-edit": "true",
    });
    expect(edit.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-view"]).toBeUndefined();
    const view = find(manifests, "ClusterRole", "cfsaas-operator-view");
    expect(view.metadata.labels).toMatchObject({ "rbac.authorization.k8s.io/aggregate-to-view": "true" });
    expect(view.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-edit"]).toBeUndefined();
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
        case "CustomResourceDefinition":
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
    for (const manifest of manifests) {
      // The CRDs exist already (applied before these tests), so they are configured rather than created.
      const verb = manifest.kind === "CustomResourceDefinition" ? "configured" : "created";
      expect(applied).toContain(`/${manifest.metadata.name} ${verb} (server dry run)`);
    }
  });

  it.each(ciValueFiles)("accepts the chart rendered with ci/%s", async (file) => {
    const namespace = await cluster.namespace("release");
    await kubectl(["create", "namespace", "cloudflare-credentials"]).catch((error: Error) => {
      if (!error.message.includes("AlreadyExists")) throw error;
    });
    const { text, manifests } = await renderChart(chart, "platform", namespace, [
      "--values",
      join(chart, "ci", file),
    ]);
    const applied = await dryRun(text);
    for (const manifest of manifests) {
      expect(applied).toMatch(
        new RegExp(`/${manifest.metadata.name} (created|configured|unchanged) \\(server dry run\\)`),
      );
    }
  });

  it("accepts every optional object of ci/full-values.yaml, the monitoring ones included", async () => {
    const { manifests } = await renderChart(chart, "platform", "operators", fullValues);
    expect(manifests.map((m) => m.kind)).toEqual(
      expect.arrayContaining([
        "ServiceMonitor",
        "PrometheusRule",
        "PodDisruptionBudget",
        "ConfigMap",
        "NetworkPolicy",
        "CustomResourceDefinition",
      ]),
    );
  });

  it("upgrades from the previous chart, takes the CRDs over, updates them on the next upgrade and keeps them on uninstall", async () => {
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
    const customHostnameCrd = async () =>
      JSON.parse(await kubectl(["get", "crd", "customhostnames.cfsaas.dev", "-o", "json"])) as {
        metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
        spec: {
          versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: object } } } } }>;
        };
      };

    const work = await mkdtemp(join(tmpdir(), "cfsaas-upgrade-"));
    try {
      // The previous chart: its CRDs in crds/, which Helm installs once (they exist here already) and never upgrades.
      const previous = join(work, "previous");
      await mkdir(previous);
      const archive = await runCommand("git", [
        "archive",
        "--format=tar",
        "-o",
        join(work, "previous.tar"),
        previousChartCommit,
        "charts/cfsaas-operator",
      ]);
      expect(archive.code, `${archive.stderr} (the upgrade test needs the git history; CI fetches it)`).toBe(
        0,
      );
      const untar = await runCommand("tar", ["-xf", join(work, "previous.tar"), "-C", previous]);
      expect(untar.code, untar.stderr).toBe(0);
      const previousChart = join(previous, "charts/cfsaas-operator");
      expect(existsSync(join(previousChart, "crds"))).toBe(true);

      expect(await helmOk(["install", "upgraded", previousChart])).toContain("STATUS: deployed");
      expect((await operatorDeployment()).spec.strategy.type).toBe("Recreate");
      expect((await customHostnameCrd()).metadata.labels?.["app.kubernetes.io/managed-by"]).toBeUndefined();

      // To this chart: the CRDs become part of the release (taken over, as docs/install.md says), the rollout rolls.
      await helmOk(["upgrade", "upgraded", chart, "--take-ownership"]);
      const deployment = await operatorDeployment();
      expect(deployment.spec.strategy.type).toBe("RollingUpdate");
      expect(operatorContainer(deployment).args.filter((arg) => /leader-elect/.test(arg))).toEqual([]);
      const adopted = await customHostnameCrd();
      expect(adopted.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("Helm");
      expect(adopted.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
      expect(adopted.metadata.annotations?.["meta.helm.sh/release-name"]).toBe("upgraded");

      // A later chart whose CRD gains a field: plain `helm upgrade` must bring it to the API server.
      const next = join(work, "next");
      await cp(chart, next, { recursive: true });
      const crdFile = join(next, "files/crds/cfsaas.dev_customhostnames.yaml");
      const crd = parse(await readFile(crdFile, "utf8"));
      crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.upgradeProbe = {
        type: "string",
        maxLength: 16,
        description: "A field only the next chart's CRD has.",
      };
      await writeFile(crdFile, stringify(crd));
      const probe = {
        apiVersion: "cfsaas.dev/v1alpha1",
        kind: "CustomHostname",
        metadata: { name: "probe", namespace },
        spec: {
          hostname: "probe.upgrade-customer.com",
          fallbackOriginRef: { name: "none" },
          upgradeProbe: "kept",
        },
      };
      const refused = await cluster.kubectl(["apply", "--validate=strict", "-f", "-"], {
        input: JSON.stringify(probe),
      });
      expect(refused.stderr).toContain('unknown field "spec.upgradeProbe"');

      await helmOk(["upgrade", "upgraded", next]);
      expect(
        Object.keys(
          (await customHostnameCrd()).spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties,
        ),
      ).toContain("upgradeProbe");
      await vi.waitFor(async () => {
        const accepted = await cluster.kubectl(["apply", "--validate=strict", "-f", "-"], {
          input: JSON.stringify(probe),
        });
        expect(accepted.code, accepted.stderr).toBe(0);
      }, waitLong);
      const stored = await getObject<{ spec: { upgradeProbe?: string } }>(cluster, [
        "customhostname",
        "probe",
        "-n",
        namespace,
      ]);
      expect(stored?.spec.upgradeProbe).toBe("kept");

      // Uninstalling keeps the CRDs, and with them every CustomHostname.
      await helmOk(["uninstall", "upgraded"]);
      expect(await kubectl(["get", "crd", "customhostnames.cfsaas.dev", "-o", "name"])).toContain(
        "customhostnames.cfsaas.dev",
      );
      expect(await kubectl(["get", "customhostname", "probe", "-n", namespace, "-o", "name"])).toContain(
        "probe",
      );
      await kubectl(["delete", "customhostname", "probe", "-n", namespace, "--wait=false"]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("accepts the CRD examples Artifact Hub shows (Chart.yaml's artifacthub.io/crdsExamples)", async () => {
    const annotations = (
      parse(await readFile(join(chart, "Chart.yaml"), "utf8")) as {
        annotations: Record<string, string>;
      }
    ).annotations;
    const examples = parse(annotations["artifacthub.io/crdsExamples"]!) as Manifest[];
    const namespace = await cluster.namespace("examples");
    const inTestNamespace = examples.map((example) =>
      example.metadata.namespace ? { ...example, metadata: { ...example.metadata, namespace } } : example,
    );
    const applied = await dryRun(JSON.stringify({ apiVersion: "v1", kind: "List", items: inTestNamespace }));
    for (const example of examples)
      expect(applied).toContain(`/${example.metadata.name} created (server dry run)`);
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
      ["list HTTPRoutes (no source chosen)", () => ["list", "httproutes.gateway.networking.k8s.io", "-A"]],
      ["list Ingresses (no source chosen)", () => ["list", "ingresses.networking.k8s.io", "-A"]],
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

    it("lets people bound to the aggregated roles edit CustomHostnames in their namespace and read FallbackOrigins", async () => {
      // No controller-manager runs here to fold these into admin/edit/view, so they are bound directly.
      await kubectl([
        "create",
        "rolebinding",
        "alice-edits",
        "--clusterrole=cfsaas-operator-edit",
        "--user=alice",
        "-n",
        tenant,
      ]);
      await kubectl([
        "create",
        "clusterrolebinding",
        `bob-views-${tenant}`,
        "--clusterrole=cfsaas-operator-view",
        "--user=bob",
      ]);
      const can = async (user: string, args: string[]) =>
        (await cluster.kubectl(["auth", "can-i", ...args, `--as=${user}`])).stdout.trim();
      const expectations: Array<[string, string[], string]> = [
        ["alice", ["create", "customhostnames.cfsaas.dev", "-n", tenant], "yes"],
        ["alice", ["delete", "customhostnames.cfsaas.dev", "-n", tenant], "yes"],
        ["alice", ["get", "customhostnames.cfsaas.dev", "--subresource=status", "-n", tenant], "yes"],
        ["alice", ["update", "customhostnames.cfsaas.dev", "--subresource=status", "-n", tenant], "no"],
        ["alice", ["create", "customhostnames.cfsaas.dev", "-n", release], "no"],
        ["alice", ["create", "fallbackorigins.cfsaas.dev"], "no"],
        ["bob", ["list", "fallbackorigins.cfsaas.dev"], "yes"],
        ["bob", ["list", "customhostnames.cfsaas.dev", "--all-namespaces"], "yes"],
        ["bob", ["update", "fallbackorigins.cfsaas.dev"], "no"],
        ["bob", ["create", "customhostnames.cfsaas.dev", "-n", tenant], "no"],
        ["bob", ["get", "secrets", "-n", credentials], "no"],
      ];
      const answers = await Promise.all(expectations.map(([user, args]) => can(user, args)));
      expect(answers).toEqual(expectations.map(([, , answer]) => answer));
    });

    it("is enough for the operator's whole life cycle, run with that ServiceAccount's token", async () => {
      const world = await startSaasWorld();
      let operator: OperatorProcess | undefined;
      try {
        await createCredentialsSecret(cluster, credentials, world.token);
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

        expect(await leaseHolder(cluster, release)).toBeTruthy();
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

  describe("the chart's ServiceAccount with sources: [gateway-httproute, ingress]", () => {
    let release: string;
    let credentials: string;
    let tenant: string;
    let serviceAccount: string;
    const name = "cfsaas-operator-sources";

    beforeAll(async () => {
      release = await cluster.namespace("release");
      credentials = await cluster.namespace("credentials");
      tenant = await cluster.namespace("tenant");
      serviceAccount = `system:serviceaccount:${release}:${name}`;
      const { text } = await renderChart(chart, name, release, [
        "--set",
        `credentialsNamespace=${credentials}`,
        "--set-json",
        'sources=["gateway-httproute","ingress"]',
      ]);
      await kubectl(["apply", "-f", "-"], text);
      await installGatewayApiCrds(cluster);
    });

    const canI = async (args: string[]) =>
      (await cluster.kubectl(["auth", "can-i", ...args, `--as=${serviceAccount}`])).stdout.trim();

    it("may read routes and write CustomHostnames, and may not change a route or its status", async () => {
      const expectations: Array<[string[], string]> = [
        [["list", "httproutes.gateway.networking.k8s.io", "-A"], "yes"],
        [["watch", "httproutes.gateway.networking.k8s.io", "-A"], "yes"],
        [["list", "ingresses.networking.k8s.io", "-A"], "yes"],
        [["watch", "ingresses.networking.k8s.io", "-A"], "yes"],
        [["create", "customhostnames.cfsaas.dev", "-n", tenant], "yes"],
        [["update", "customhostnames.cfsaas.dev", "-n", tenant], "yes"],
        [["delete", "customhostnames.cfsaas.dev", "-n", tenant], "yes"],
        [["update", "httproutes.gateway.networking.k8s.io", "-n", tenant], "no"],
        [["patch", "httproutes.gateway.networking.k8s.io", "-n", tenant], "no"],
        [["update", "httproutes.gateway.networking.k8s.io", "--subresource=status", "-n", tenant], "no"],
        [["delete", "httproutes.gateway.networking.k8s.io", "-n", tenant], "no"],
        [["update", "ingresses.networking.k8s.io", "-n", tenant], "no"],
        [["update", "ingresses.networking.k8s.io", "--subresource=status", "-n", tenant], "no"],
        [["list", "grpcroutes.gateway.networking.k8s.io", "-A"], "no"],
        [["delete", "fallbackorigins.cfsaas.dev"], "no"],
        [["list", "secrets", "-A"], "no"],
      ];
      const answers = await Promise.all(expectations.map(([args]) => canI(args)));
      expect(answers).toEqual(expectations.map(([, answer]) => answer));
    });

    it("is enough to generate and delete CustomHostnames from both kinds of route, run with that token", async () => {
      const world = await startSaasWorld();
      let operator: OperatorProcess | undefined;
      try {
        await createCredentialsSecret(cluster, credentials, world.token);
        const token = (await kubectl(["create", "token", name, "-n", release])).trim();
        operator = await startOperator({
          kubeconfig: await cluster.plane.kubeconfigForToken(token),
          cloudflareApiUrl: world.simulator.url,
          extraArgs: [
            `--credentials-namespace=${credentials}`,
            `--leader-election-namespace=${release}`,
            "--sources=gateway-httproute,ingress",
          ],
        });
        // Its own zone: the FallbackOrigin of the test above may still claim the first one.
        await applyManifest(cluster, {
          apiVersion: "cfsaas.dev/v1alpha1",
          kind: "FallbackOrigin",
          metadata: { name: "sources-zone" },
          spec: {
            zoneId: secondZoneId,
            origin: "proxy-fallback.other-saas.com",
            credentialsRef: { name: "cloudflare-api" },
          },
        });
        const annotations = { "cfsaas.dev/fallback-origin": "sources-zone" };
        await applyManifest(cluster, {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: { name: "shop", namespace: tenant, annotations },
          spec: { hostnames: ["route.rbac-customer.com"] },
        });
        await applyManifest(cluster, {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: { name: "portal", namespace: tenant, annotations },
          spec: { rules: [{ host: "ingress.rbac-customer.com" }] },
        });
        const generated = async () =>
          (await getObject<{ items: CustomHostname[] }>(cluster, ["customhostnames", "-n", tenant]))?.items ??
          [];
        await vi.waitFor(async () => {
          const objects = await generated();
          expect(objects.map((object) => object.spec.hostname).sort()).toEqual([
            "ingress.rbac-customer.com",
            "route.rbac-customer.com",
          ]);
          expect(objects.every((object) => object.status?.hostnameId)).toBe(true);
        }, waitLong);

        await kubectl(["delete", "httproute", "shop", "-n", tenant]);
        await kubectl(["delete", "ingress", "portal", "-n", tenant]);
        await vi.waitFor(async () => {
          expect(await generated()).toEqual([]);
          const left = (await world.cloudflareHostnames()).filter((h) =>
            h.hostname.endsWith(".rbac-customer.com"),
          );
          expect(left).toEqual([]);
        }, waitLong);
        const events = JSON.parse(
          await kubectl(["get", "events.events.k8s.io", "-n", tenant, "-o", "json"]),
        ) as {
          items: Array<{ reason: string; regarding: { kind: string } }>;
        };
        expect(
          events.items
            .filter((event) => event.reason === "Created" && event.regarding.kind !== "CustomHostname")
            .map((event) => event.regarding.kind)
            .sort(),
        ).toEqual(["HTTPRoute", "Ingress"]);
        // Best-effort writes (events) only log their failures: a 403 anywhere means the RBAC is short.
        expect(operator.output.filter((line) => /forbidden|"httpStatus":403/i.test(line))).toEqual([]);
      } finally {
        await operator?.stop();
        await world.close();
      }
    });
  });
});
