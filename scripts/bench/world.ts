import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { type ControlPlane, startControlPlane } from "../../src/controlplane/control-plane.ts";
import { KubeApiClient } from "../../src/kube/api-client.ts";
import { kubeconfigConnection } from "../../src/kube/connection.ts";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.ts";
import { HostnameTracker } from "./hostname-tracker.ts";
import type { RatePolicy } from "./options.ts";
import { parseSamples, type Sample } from "./prometheus-text.ts";

export const BENCH_NAMESPACE = "bench";
export const FALLBACK_ORIGIN_NAME = "saas-zone";
const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
const ZONE_NAME = "saasprovider.com";
const CNAME_TARGET = `customers.${ZONE_NAME}`;
const CUSTOM_HOSTNAMES = `/apis/${API_GROUP_VERSION}/namespaces/${BENCH_NAMESPACE}/customhostnames`;

export interface SimulatorStats {
  total: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
}

/** The bench's n-th customer: a CustomHostname as a team would write it, with labels and custom metadata. */
export function customerName(index: number): string {
  return `customer-${String(index).padStart(5, "0")}`;
}

export function customerHostname(index: number): string {
  return `shop.${customerName(index)}.com`;
}

export function customerMetadata(index: number, revision = 0): Record<string, string> {
  return { customer: customerName(index), plan: "business", revision: String(revision) };
}

export function hostnameManifest(index: number) {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "CustomHostname",
    metadata: {
      name: customerName(index),
      namespace: BENCH_NAMESPACE,
      labels: {
        "app.kubernetes.io/part-of": "storefront",
        "storefront.example.dev/customer": customerName(index),
      },
    },
    spec: {
      hostname: customerHostname(index),
      fallbackOriginRef: { name: FALLBACK_ORIGIN_NAME },
      customMetadata: customerMetadata(index),
    },
  };
}

/** Runs a command to completion, throwing with its stderr when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * One scenario's world: a real kube-apiserver + etcd with the CRDs, the operator's namespace and credentials, the
 * Cloudflare simulator with one zone, and the zone's FallbackOrigin; plus the bench's own view of both sides.
 * Every request the bench itself sends to the API server is counted, so it can be told apart from the operator's.
 */
export class BenchWorld {
  readonly plane: ControlPlane;
  readonly simulator: RunningSimulator;
  readonly token: string;
  readonly zoneId = ZONE_ID;
  readonly kube: KubeApiClient;
  /** The bench's own API server requests, keyed like apiServerRequests(). */
  readonly ownRequests = new Map<string, number>();
  tracker!: HostnameTracker;

  private constructor(plane: ControlPlane, simulator: RunningSimulator, token: string, kube: KubeApiClient) {
    this.plane = plane;
    this.simulator = simulator;
    this.token = token;
    this.kube = kube;
  }

  static async start(options: {
    rateLimit: RatePolicy;
    pageSize: number;
    timeScale: number;
  }): Promise<BenchWorld> {
    const token = `bench-token-${Math.random().toString(36).slice(2)}`;
    const plane = await startControlPlane();
    let simulator: RunningSimulator | undefined;
    try {
      simulator = await startSimulator({
        port: 0,
        zones: [{ id: ZONE_ID, name: ZONE_NAME }],
        credentials: [{ token }],
        rateLimit: options.rateLimit,
        perPageMax: Math.max(50, options.pageSize),
        timeScale: options.timeScale,
        dnsPort: 0,
      });
      const kube = new KubeApiClient(await kubeconfigConnection(plane.kubeconfigPath));
      const world = new BenchWorld(plane, simulator, token, kube);
      await world.#installPrerequisites();
      world.tracker = await HostnameTracker.start(world.kube, BENCH_NAMESPACE, (key) => world.countOwn(key));
      return world;
    } catch (error) {
      await simulator?.close();
      await plane.stop();
      throw error;
    }
  }

  /** CRDs, namespaces, the credentials Secret and the FallbackOrigin: what a cluster has before onboarding. */
  async #installPrerequisites(): Promise<void> {
    await this.kubectl(["apply", "-f", "crds/"]);
    await this.kubectl([
      "wait",
      "--for=condition=Established",
      "crd/customhostnames.cfsaas.dev",
      "crd/fallbackorigins.cfsaas.dev",
    ]);
    await this.kubectl(["create", "namespace", "cfsaas-system"]);
    await this.kubectl(["create", "namespace", BENCH_NAMESPACE]);
    await this.kubectl([
      "create",
      "secret",
      "generic",
      "cloudflare-api",
      "-n",
      "cfsaas-system",
      `--from-literal=apiToken=${this.token}`,
    ]);
    await this.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: API_GROUP_VERSION,
        kind: "FallbackOrigin",
        metadata: { name: FALLBACK_ORIGIN_NAME },
        spec: {
          zoneId: ZONE_ID,
          origin: `proxy-fallback.${ZONE_NAME}`,
          cnameTarget: CNAME_TARGET,
          credentialsRef: { name: "cloudflare-api" },
        },
      }),
    });
  }

  kubectl(args: string[], options: { input?: string } = {}): Promise<string> {
    return run("kubectl", args, { ...process.env, KUBECONFIG: this.plane.kubeconfigPath }, options.input);
  }

  countOwn(key: string, by = 1): void {
    this.ownRequests.set(key, (this.ownRequests.get(key) ?? 0) + by);
  }

  /** Creates the CustomHostnames one request each (as a GitOps tool's server-side create), recording when each returned. */
  async createHostnames(indexes: readonly number[], concurrency: number): Promise<void> {
    await forEachLimited(indexes, concurrency, async (index) => {
      this.countOwn("POST customhostnames");
      await this.kube.request("POST", CUSTOM_HOSTNAMES, { body: hostnameManifest(index) });
      this.tracker.markApplied(customerName(index), Date.now());
    });
  }

  /**
   * Applies the CustomHostnames with client-side `kubectl apply` of one List, so each carries the
   * last-applied-configuration annotation as with Argo CD's default sync.
   */
  async kubectlApplyHostnames(indexes: readonly number[]): Promise<void> {
    const path = join(this.plane.dir, `hostnames-${indexes.length}.json`);
    await writeFile(
      path,
      JSON.stringify({ apiVersion: "v1", kind: "List", items: indexes.map(hostnameManifest) }),
    );
    await this.kubectl(["apply", "-f", path]);
    const now = Date.now();
    for (const index of indexes) this.tracker.markApplied(customerName(index), now);
  }

  async editHostname(index: number, revision: number): Promise<void> {
    this.countOwn("PATCH customhostnames");
    await this.kube.request("PATCH", `${CUSTOM_HOSTNAMES}/${customerName(index)}`, {
      body: { spec: { customMetadata: customerMetadata(index, revision) } },
      patchType: "merge",
    });
  }

  async deleteHostname(index: number): Promise<void> {
    this.countOwn("DELETE customhostnames");
    await this.kube.request("DELETE", `${CUSTOM_HOSTNAMES}/${customerName(index)}`);
  }

  async fallbackOriginReady(): Promise<boolean> {
    this.countOwn("GET fallbackorigins");
    const origin = await this.kube.request<{
      status?: { conditions?: Array<{ type: string; status: string }> };
    }>("GET", `/apis/${API_GROUP_VERSION}/fallbackorigins/${FALLBACK_ORIGIN_NAME}`);
    return origin.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  }

  async #admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.simulator.adminUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator admin ${method} ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  simulatorStats(): Promise<SimulatorStats> {
    return this.#admin("GET", "/stats");
  }

  setRateLimit(policy: RatePolicy): Promise<RatePolicy> {
    return this.#admin("POST", "/rate-limit", policy);
  }

  /** Puts each customer's CNAME to the zone in place, as customers following the instructions would. */
  async setCustomerDns(indexes: readonly number[]): Promise<void> {
    const records = indexes.map((index) => ({
      type: "CNAME" as const,
      name: customerHostname(index),
      value: CNAME_TARGET,
    }));
    for (let start = 0; start < records.length; start += 1000) {
      await this.#admin("POST", "/dns", { records: records.slice(start, start + 1000) });
    }
  }

  /** Every hostname in the simulator's zone, as Cloudflare would show it. */
  async cloudflareHostnames(): Promise<
    Array<{ id: string; hostname: string; custom_metadata?: Record<string, string> }>
  > {
    return (await this.#admin<{ hostnames: Array<{ id: string; hostname: string }> }>("GET", "/hostnames"))
      .hostnames;
  }

  /** Creates hostnames straight in Cloudflare (the simulator's API, with the zone's token): an existing fleet. */
  async createInCloudflare(indexes: readonly number[], concurrency: number): Promise<void> {
    await forEachLimited(indexes, concurrency, async (index) => {
      const response = await fetch(`${this.simulator.url}/zones/${ZONE_ID}/custom_hostnames`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          hostname: customerHostname(index),
          ssl: { method: "http", type: "dv", wildcard: false },
          custom_metadata: customerMetadata(index),
        }),
      });
      if (response.status !== 201) {
        throw new Error(`creating ${customerHostname(index)} in the simulator: HTTP ${response.status}`);
      }
      await response.body?.cancel();
    });
  }

  /** The API server's own request counter for the resources the operator works on. */
  async apiServerSamples(): Promise<Sample[]> {
    return parseSamples(
      await this.kubectl(["get", "--raw", "/metrics"]),
      new Set(["apiserver_request_total"]),
    );
  }

  async close(): Promise<void> {
    this.tracker?.stop();
    await this.simulator.close();
    await this.plane.stop();
  }
}
