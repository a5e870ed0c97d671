import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, promisify } from "node:util";
import pino from "pino";
import { ConditionType } from "../api/conditions.ts";
import type { CustomHostname } from "../api/custom-hostname.ts";
import { startControlPlane } from "../controlplane/control-plane.ts";
import { gatewayApiCrds } from "../controlplane/tools.ts";
import { parseDnsServers } from "../dns/resolver.ts";
import { kubeconfigConnection } from "../kube/connection.ts";
import { findCondition } from "../kube/status-conditions.ts";
import { Operator } from "../operator/operator.ts";
import { startSimulator } from "../simulator/index.ts";
import { listenForStopSignals } from "./stop-signals.ts";

const run = promisify(execFile);

export const DEMO_USAGE = `Usage: cfsaas-dev demo [--keep] [--time-scale X]

Runs everything on loopback: a real etcd + kube-apiserver, the Cloudflare API simulator (time accelerated) and
the operator; applies examples/ (a Secret, a FallbackOrigin, three CustomHostnames, and an HTTPRoute whose two
hostnames the operator turns into CustomHostnames), plays the customers who create their DNS records one by one,
and prints the hostnames as they go from pending to Ready.

  --keep           keep everything running afterwards (Ctrl-C stops it) to explore with kubectl
  --time-scale X   simulated seconds per real second (default 60)`;

const zoneId = "023e105f4ecef8ad9ca31a8372d0c353";

interface HostnameRow {
  key: string;
  hostname: string;
  status: string;
  ssl: string;
  dns: string;
  ready: string;
  records: NonNullable<NonNullable<CustomHostname["status"]>["dnsRecords"]>;
}

function rowsOf(list: { items: CustomHostname[] }): HostnameRow[] {
  return list.items.map((item) => ({
    key: `${item.metadata.namespace}/${item.metadata.name}`,
    hostname: item.spec.hostname,
    status: item.status?.hostnameStatus ?? "-",
    ssl: item.status?.sslStatus ?? "-",
    dns: findCondition(item.status?.conditions, ConditionType.DNSConfigured)?.reason ?? "-",
    ready: findCondition(item.status?.conditions, ConditionType.Ready)?.status ?? "-",
    records: item.status?.dnsRecords ?? [],
  }));
}

function table(rows: HostnameRow[]): string {
  const header = ["CUSTOMHOSTNAME", "HOSTNAME", "STATUS", "SSL", "DNS", "READY"];
  const cells = rows.map((row) => [row.key, row.hostname, row.status, row.ssl, row.dns, row.ready]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  return [header, ...cells]
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function kubectlApply(kubeconfig: string, manifest: string): Promise<void> {
  return new Promise((resolveFn, reject) => {
    const child = execFile(
      "kubectl",
      ["apply", "-f", "-"],
      { env: { ...process.env, KUBECONFIG: kubeconfig } },
      (error) => (error ? reject(error) : resolveFn()),
    );
    child.stdin?.end(manifest);
  });
}

export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { keep: { type: "boolean" }, "time-scale": { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(DEMO_USAGE);
    return;
  }
  const timeScale = Number(values["time-scale"] ?? 60);
  if (!(timeScale >= 1)) throw new Error(`--time-scale expects a number ≥ 1, got "${values["time-scale"]}"`);
  const started = Date.now();
  const say = (text: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`);

  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  // Before anything is started or announced, so a signal at any point stops what is running.
  void listenForStopSignals().received.then((signal) =>
    cleanup().then(() => process.exit(signal === "SIGINT" ? 130 : 143)),
  );

  try {
    say("starting etcd + kube-apiserver on 127.0.0.1 …");
    const plane = await startControlPlane();
    cleanups.push(() => plane.stop());
    const kubectl = async (args: string[]) =>
      (await run("kubectl", args, { env: { ...process.env, KUBECONFIG: plane.kubeconfigPath } })).stdout;
    say(`control plane ready at ${plane.server}`);

    const token = `demo-${Math.random().toString(36).slice(2, 12)}`;
    const simulator = await startSimulator({
      port: 0,
      zones: [{ id: zoneId, name: "saasprovider.com" }],
      credentials: [{ token }],
      timeScale,
      dnsPort: 0,
    });
    cleanups.push(() => simulator.close());
    say(`Cloudflare API simulator at ${simulator.url} (time × ${timeScale})`);

    await kubectl(["apply", "-f", resolve("crds")]);
    await kubectl([
      "wait",
      "--for=condition=Established",
      "crd/customhostnames.cfsaas.dev",
      "crd/fallbackorigins.cfsaas.dev",
    ]);
    // The Gateway API CRDs (standard channel) `npm run setup` fetched, for the HTTPRoute example.
    await kubectl(["apply", "--server-side", "-f", gatewayApiCrds()]);
    await kubectl(["wait", "--for=condition=Established", "crd/httproutes.gateway.networking.k8s.io"]);
    const examples = resolve("examples");
    for (const file of (await readdir(examples)).sort()) {
      let manifest = await readFile(join(examples, file), "utf8");
      // The example Secret carries a placeholder; the demo's simulator accepts its own token only.
      manifest = manifest.replace("REPLACE-WITH-YOUR-API-TOKEN", token);
      await kubectlApply(plane.kubeconfigPath, manifest);
      say(`applied examples/${file}`);
    }

    const logFile = join(plane.dir, "operator.log");
    const kube = await kubeconfigConnection(plane.kubeconfigPath);
    const operator = new Operator(
      {
        kube,
        credentialsNamespace: "cfsaas-system",
        cloudflareApiUrl: simulator.url,
        workers: 4,
        leaderElect: false,
        leaderElectionNamespace: "cfsaas-system",
        metricsAddress: "127.0.0.1:0",
        pageSize: 50,
        requestBudget: { requests: 1000, windowSeconds: 300 },
        zonePollIntervalMs: 5_000,
        validationScheduleScale: 1 / timeScale,
        perObjectMetrics: true,
        sources: ["gateway-httproute"],
        // The simulator's DNS server stands in for the customers' DNS; the demo looks every few seconds.
        dnsWatch: {
          servers: parseDnsServers(simulator.dnsServer ?? ""),
          timeoutMs: 2_000,
          concurrency: 8,
          pendingIntervalMs: 3_000,
          readyIntervalMs: 5_000,
          refreshThresholdMs: 5 * 60_000,
          refreshIntervalMs: 60 * 60_000,
        },
      },
      pino({ level: "debug" }, pino.destination({ dest: logFile, sync: false })),
    );
    await operator.start();
    cleanups.push(() => operator.stop());
    say(`operator running (logs: ${logFile}, metrics: ${operator.serverUrl}/metrics)`);

    const setDns = async (records: Array<{ type: string; name: string; value: string }>) => {
      const response = await fetch(`${simulator.adminUrl}/dns`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records }),
      });
      if (!response.ok) throw new Error(`simulator refused the DNS records: ${await response.text()}`);
    };
    let lastTable = "";
    /** Prints the table when it changed; resolves once `done` holds for its rows, or throws after `withinMs`. */
    const watch = async (
      done: (rows: HostnameRow[]) => boolean,
      withinMs: number,
      act?: (rows: HostnameRow[]) => Promise<void>,
    ) => {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const rows = rowsOf(JSON.parse(await kubectl(["get", "customhostnames", "-A", "-o", "json"])));
        const rendered = table(rows);
        if (rendered !== lastTable) {
          console.log(`\n${rendered}`);
          lastTable = rendered;
        }
        if (done(rows)) return rows;
        if (Date.now() > deadline)
          throw new Error(`the hostnames did not get there within ${withinMs / 1000} s`);
        await act?.(rows);
        await sleep(1_000);
      }
    };

    const customersDone = new Set<string>();
    let nextCustomerAt = Date.now() + 3_000;
    const rows = await watch(
      (current) => current.length > 0 && current.every((row) => row.ready === "True"),
      5 * 60_000,
      async (current) => {
        // One customer at a time creates the records its status asks for.
        const next = current.find((row) => !customersDone.has(row.key) && row.records.length > 0);
        if (!next || Date.now() < nextCustomerAt) return;
        customersDone.add(next.key);
        nextCustomerAt = Date.now() + 4_000;
        await setDns(next.records.map(({ type, name, value }) => ({ type, name, value })));
        say(
          `customer of ${next.hostname} created ${next.records.map((r) => `${r.type} ${r.name}`).join(", ")}`,
        );
      },
    );
    say("every hostname is Ready");

    // The operator keeps watching the customers' DNS: one customer points its hostname elsewhere.
    const leaving = rows[0];
    if (leaving) {
      await setDns([{ type: "CNAME", name: leaving.hostname, value: "shop.other-provider.net" }]);
      say(`customer of ${leaving.hostname} pointed its CNAME to shop.other-provider.net`);
      await watch(
        (current) => current.find((row) => row.key === leaving.key)?.dns === "CustomerDNSMovedAway",
        60_000,
      );
      say(`the operator saw it in DNS: ${leaving.key} is DNSConfigured=False, CustomerDNSMovedAway`);
    }
    console.log(
      "\nExplore with kubectl:\n  kubectl get cfh -A\n  kubectl describe cfh app-john-example -n tenant-john\n" +
        "  kubectl get cfh -n tenant-acme -l cfsaas.dev/source=httproute.storefront\n" +
        "  kubectl events -n tenant-acme --for httproute/storefront",
    );
    if (values.keep) {
      console.log("Everything keeps running; press Ctrl-C to stop.");
      console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
      await new Promise(() => undefined);
    }
    console.log("This control plane stops now; run `npm run demo -- --keep` to keep it and explore it with:");
    console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
  } finally {
    if (!values.keep) await cleanup();
  }
}
