import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, vi } from "vitest";
import type { FallbackOrigin } from "../../src/api/fallback-origin.ts";
import { gatewayApiCrds } from "../../src/controlplane/tools.ts";
import { findCondition } from "../../src/kube/status-conditions.ts";
import type { FaultRule } from "../../src/simulator/faults.ts";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "../../src/simulator/index.ts";
import type { TestCluster } from "./control-plane.ts";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The operator as users run it: a separate process, talking to the API server and Cloudflare over the wire. */
export interface OperatorProcess {
  child: ChildProcess;
  metricsUrl: string;
  logs: LogLine[];
  /** Raw output, for asserting that no secret ever appears in it. */
  output: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface OperatorArgs {
  kubeconfig: string;
  cloudflareApiUrl: string;
  extraArgs?: string[];
  /** `--credentials-namespace`; `null` passes no flag, so the operator picks its own default. */
  credentialsNamespace?: string | null;
  /** Added to this process's environment, e.g. the proxy variables or the POD_NAMESPACE of the downward API. */
  env?: NodeJS.ProcessEnv;
  /**
   * The simulator's DNS server (`SaasWorld.simulator.dnsServer`) as the customers' DNS. Without it the operator
   * does not watch DNS: tests never ask the machine's own resolver about made-up hostnames.
   */
  dnsServer?: string | undefined;
}

const mainPath = resolve("src/cli/main.ts");

/** The request budget of test operators and the rate limit of test simulators, unless a test sets its own. */
export const TEST_BUDGET = { requests: 100_000, windowSeconds: 300 };

export async function startOperator(args: OperatorArgs): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      mainPath,
      "run",
      `--kubeconfig=${args.kubeconfig}`,
      `--cloudflare-api-url=${args.cloudflareApiUrl}`,
      "--metrics-address=127.0.0.1:0",
      ...(args.credentialsNamespace === null
        ? []
        : [`--credentials-namespace=${args.credentialsNamespace ?? "cfsaas-system"}`]),
      "--zone-poll-interval=2s",
      "--validation-schedule-scale=0.01",
      // Time runs 100× faster here (validation checks, polls), so does the traffic: a budget sized for real
      // time would be spent in seconds and queue creates for minutes. Tests of the budget pass their own.
      `--request-budget=${TEST_BUDGET.requests}/${TEST_BUDGET.windowSeconds}`,
      "--log-level=debug",
      args.dnsServer ? `--dns-servers=${args.dnsServer}` : "--dns-watch=false",
      ...(args.extraArgs ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1", ...args.env } },
  );
  const logs: LogLine[] = [];
  const output: string[] = [];
  const exited = once(child, "exit").then(([code]) => code as number | null);
  let resolveUrl: (url: string) => void;
  const metricsUrl = new Promise<string>((resolveFn) => {
    resolveUrl = resolveFn;
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      try {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        if (parsed.msg === "serving metrics and health" && typeof parsed.url === "string")
          resolveUrl(parsed.url);
      } catch {
        // Not JSON (a crash trace): kept in `output`.
      }
    });
  }
  const url = await Promise.race([
    metricsUrl,
    exited.then((code) => {
      throw new Error(`operator exited (${code}) before serving:\n${output.join("\n")}`);
    }),
  ]);
  return {
    child,
    metricsUrl: url,
    logs,
    output,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function scrape(metricsUrl: string): Promise<string> {
  const response = await fetch(`${metricsUrl}/metrics`);
  return response.text();
}

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[4]);
  }
  return undefined;
}

export interface SaasWorld {
  simulator: RunningSimulator;
  zoneId: string;
  zoneName: string;
  token: string;
  /** Sets what the customers' DNS holds in the simulator (an empty value removes the record). */
  setDns(
    records: Array<{ type: "CNAME" | "TXT" | "A" | "AAAA"; name: string; value: string; ttl?: number }>,
  ): Promise<void>;
  /** Makes the simulator's DNS server time out, answer SERVFAIL or send garbage for these names. */
  setDnsFaults(rules: Array<{ name: string; kind: "timeout" | "servfail" | "garbage" }>): Promise<void>;
  /** Replaces the simulator's injected faults (latency, errors) on its Cloudflare API. */
  setFaults(rules: FaultRule[]): Promise<void>;
  stats(): Promise<{ total: number; byEndpoint: Record<string, number> }>;
  /** Every hostname the simulator holds in the zone, via its admin dump. */
  cloudflareHostnames(): Promise<
    Array<{ id: string; hostname: string; status?: string; created_at?: string }>
  >;
  close(): Promise<void>;
}

/** A second zone the same token may use, for tests that need two FallbackOrigins. */
export const secondZoneId = "0123456789abcdef0123456789abcdef";

/** A zone on a plan without custom metadata or custom origin servers (Cloudflare answers 1413 / 1414). */
export const basicPlanZoneId = "fedcba9876543210fedcba9876543210";

export async function startSaasWorld(options: SimulatorOptions = {}): Promise<SaasWorld> {
  const token = `test-token-${Math.random().toString(36).slice(2)}`;
  const zoneId = "023e105f4ecef8ad9ca31a8372d0c353";
  const simulator = await startSimulator({
    port: 0,
    zones: [
      { id: zoneId, name: "saasprovider.com" },
      { id: secondZoneId, name: "other-saas.com" },
      {
        id: basicPlanZoneId,
        name: "basic-saas.com",
        entitlements: { customMetadata: false, customOriginServer: false },
      },
    ],
    credentials: [{ token }],
    timeScale: 1000,
    rateLimit: TEST_BUDGET,
    dnsPort: 0,
    ...options,
  });
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${simulator.adminUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`simulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    simulator,
    zoneId,
    zoneName: "saasprovider.com",
    token,
    async setDns(records) {
      await admin("POST", "/dns", { records });
    },
    async setDnsFaults(rules) {
      await admin("POST", "/dns-faults", { rules });
    },
    async setFaults(rules) {
      await admin("POST", "/faults", { rules });
    },
    stats: () => admin("GET", "/stats"),
    async cloudflareHostnames() {
      const dump = await admin<unknown>("GET", "/hostnames");
      const list = Array.isArray(dump) ? dump : ((dump as { hostnames?: unknown[] }).hostnames ?? []);
      return list as Array<{ id: string; hostname: string; status?: string; created_at?: string }>;
    },
    close: () => simulator.close(),
  };
}

/** CRDs, the operator's namespace and a credentials Secret: what `helm install` would leave behind. */
export async function installOperatorPrerequisites(cluster: TestCluster, token: string): Promise<void> {
  for (const args of [
    ["apply", "-f", "crds/"],
    [
      "wait",
      "--for=condition=Established",
      "crd/customhostnames.cfsaas.dev",
      "crd/fallbackorigins.cfsaas.dev",
    ],
    ["create", "namespace", "cfsaas-system"],
  ]) {
    await kubectlOrThrow(cluster, args);
  }
  await createCredentialsSecret(cluster, "cfsaas-system", token);
}

/** The Secret `cloudflare-api` (key apiToken) that FallbackOrigins name, as a user creates it; one there stays. */
export async function createCredentialsSecret(
  cluster: TestCluster,
  namespace: string,
  token: string,
): Promise<void> {
  const literal = `--from-literal=apiToken=${token}`;
  await kubectlOrThrow(cluster, ["create", "secret", "generic", "cloudflare-api", "-n", namespace, literal]);
}

async function kubectlOrThrow(cluster: TestCluster, args: string[]): Promise<void> {
  const result = await cluster.kubectl(args);
  if (result.code !== 0 && !result.stderr.includes("AlreadyExists")) {
    // The token is a secret even in tests: the error names the command without it.
    const command = args
      .map((arg) => (arg.startsWith("--from-literal=") ? "--from-literal=…" : arg))
      .join(" ");
    throw new Error(`kubectl ${command} failed: ${result.stderr}`);
  }
}

/** The Gateway API standard channel CRDs, as `npm run setup` fetched them (server-side: they are too big for apply). */
export async function installGatewayApiCrds(cluster: TestCluster): Promise<void> {
  for (const args of [
    ["apply", "--server-side", "-f", gatewayApiCrds()],
    ["wait", "--for=condition=Established", "crd/httproutes.gateway.networking.k8s.io"],
  ]) {
    const result = await cluster.kubectl(args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
  }
}

/** The FallbackOrigin most tests use: the world's zone, the Secret installOperatorPrerequisites creates. */
export function fallbackOriginManifest(world: SaasWorld, name = "saas-zone") {
  return {
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "FallbackOrigin",
    metadata: { name },
    spec: {
      zoneId: world.zoneId,
      origin: "proxy-fallback.saasprovider.com",
      cnameTarget: "customers.saasprovider.com",
      credentialsRef: { name: "cloudflare-api" },
    },
  };
}

export async function applyManifest(cluster: TestCluster, manifest: unknown): Promise<void> {
  const result = await cluster.kubectl(["apply", "-f", "-"], { input: JSON.stringify(manifest) });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

export async function getObject<T>(cluster: TestCluster, args: string[]): Promise<T | undefined> {
  const result = await cluster.kubectl(["get", ...args, "-o", "json"]);
  if (result.code !== 0) return undefined;
  return JSON.parse(result.stdout) as T;
}

/** How long an integration test waits for the operator to converge: generous for a loaded 2-core machine. */
export const waitLong = { timeout: 60_000, interval: 250 };

/** Waits until the operator has brought the FallbackOrigin `name` (as fallbackOriginManifest applies it) to Ready. */
export async function waitForFallbackOriginReady(cluster: TestCluster, name = "saas-zone"): Promise<void> {
  await vi.waitFor(async () => {
    const origin = await getObject<FallbackOrigin>(cluster, ["fallbackorigin", name]);
    expect(findCondition(origin?.status?.conditions, "Ready")?.status).toBe("True");
  }, waitLong);
}

export interface OperatorWorldOptions {
  simulator?: SimulatorOptions;
  /** Apply the FallbackOrigin `saas-zone` before the tests. */
  fallbackOrigin?: boolean;
  /**
   * Start one operator before the tests (as the cluster admin unless a kubeconfig is given), watching the
   * simulator's DNS unless `watchDns` is false.
   */
  operator?: { kubeconfig?: () => Promise<string>; extraArgs?: string[]; watchDns?: boolean };
}

export interface OperatorWorld {
  world: SaasWorld;
  /** Set when the options asked for an operator. */
  operator: OperatorProcess;
}

/**
 * One test file's Cloudflare side and operator: the simulator with its zones, the CRDs, namespace and credentials
 * Secret in the cluster, and optionally the FallbackOrigin and a running operator; all stopped after the file's
 * tests. Properties are filled in by `beforeAll`, so read them inside tests only.
 */
export function useOperatorWorld(cluster: TestCluster, options: OperatorWorldOptions = {}): OperatorWorld {
  const fixture = {} as OperatorWorld;
  beforeAll(async () => {
    fixture.world = await startSaasWorld(options.simulator);
    await installOperatorPrerequisites(cluster, fixture.world.token);
    if (options.operator) {
      fixture.operator = await startOperator({
        kubeconfig: (await options.operator.kubeconfig?.()) ?? cluster.plane.kubeconfigPath,
        cloudflareApiUrl: fixture.world.simulator.url,
        extraArgs: options.operator.extraArgs,
        dnsServer: options.operator.watchDns === false ? undefined : fixture.world.simulator.dnsServer,
      });
    }
    if (options.fallbackOrigin) await applyManifest(cluster, fallbackOriginManifest(fixture.world));
  });
  afterAll(async () => {
    await fixture.operator?.stop();
    await fixture.world?.close();
  });
  return fixture;
}

/** Who holds the operator's leader-election Lease in `namespace` ("" once released), or undefined without one. */
export async function leaseHolder(cluster: TestCluster, namespace: string): Promise<string | undefined> {
  const lease = await getObject<{ spec: { holderIdentity?: string } }>(cluster, [
    "lease",
    "cfsaas-operator",
    "-n",
    namespace,
  ]);
  return lease && (lease.spec.holderIdentity ?? "");
}
