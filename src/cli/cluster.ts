import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { startControlPlane } from "../controlplane/control-plane.ts";
import { isAlive, terminate } from "../controlplane/processes.ts";
import { listenForStopSignals, type StopSignal } from "./stop-signals.ts";

// `npm run cluster:up` / `cluster:down`: one long-lived local control plane per checkout, for kubectl and demos.
const stateDir = resolve(process.env.CFSAAS_CLUSTER_DIR ?? ".cluster");
const stateFile = resolve(stateDir, "state.json");

interface ClusterState {
  kubeconfigPath: string;
  server: string;
  pids: number[];
}

function readState(): ClusterState | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, "utf8")) as ClusterState;
}

async function up(): Promise<void> {
  // Before anything starts: Ctrl-C while the servers start stops them once they are up, rather than leaving
  // detached servers no state file knows about; a signal after the ready line finds the work done.
  let interruptedBy: StopSignal | undefined;
  void listenForStopSignals().received.then((signal) => {
    interruptedBy = signal;
  });
  const existing = readState();
  if (existing?.pids.every(isAlive)) {
    console.log(`control plane already running at ${existing.server}`);
    console.log(`export KUBECONFIG=${existing.kubeconfigPath}`);
    return;
  }
  if (existing) await down();
  await mkdir(stateDir, { recursive: true });
  const started = Date.now();
  const plane = await startControlPlane({ dir: stateDir, detached: true });
  if (interruptedBy) {
    await plane.stop();
    await rm(stateDir, { recursive: true, force: true });
    console.error(`${interruptedBy}: stopped the control plane it was starting`);
    process.exitCode = 1;
    return;
  }
  const state: ClusterState = {
    kubeconfigPath: plane.kubeconfigPath,
    server: plane.server,
    pids: plane.processes.map((proc) => proc.pid),
  };
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  console.log(`control plane ready at ${plane.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `logs: ${stateDir}/etcd.log, ${stateDir}/kube-apiserver.log; stop it with npm run cluster:down`,
  );
  console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log("no control plane is running");
    return;
  }
  // Reverse start order: kube-apiserver before its etcd.
  for (const pid of [...state.pids].reverse()) await terminate(pid);
  await rm(stateDir, { recursive: true, force: true });
  console.log(`stopped control plane at ${state.server}`);
}

const command = process.argv[2];
if (command === "up") await up();
else if (command === "down") await down();
else {
  console.error("usage: cluster.ts up|down");
  process.exitCode = 2;
}
