import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCommand } from "../support/control-plane.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const CLUSTER_CLI = join(REPO_ROOT, "src/cli/cluster.ts");

// Loaded before cluster.ts: the process sends itself SIGTERM inside the write of its "control plane ready"
// line, before that write returns, the earliest moment anyone reading the line could signal.
const SIGTERM_ON_READY = `data:text/javascript,${encodeURIComponent(`
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const written = write(chunk, ...rest);
  if (String(chunk).startsWith("control plane ready")) process.kill(process.pid, "SIGTERM");
  return written;
};`)}`;

let stateDir: string;
const work: string[] = [];

afterEach(async () => {
  // Whatever a failed test left running under its state folder.
  for (const dir of work.splice(0)) {
    for (const pid of await pidsUnder(dir)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

async function pidsUnder(dir: string): Promise<number[]> {
  const found = await runCommand("pgrep", ["-f", dir]);
  return found.stdout.split("\n").filter(Boolean).map(Number);
}

function clusterCli(command: "up" | "down", preload: string[] = []): ChildProcess {
  return spawn(process.execPath, [...preload, CLUSTER_CLI, command], {
    cwd: REPO_ROOT,
    env: { ...process.env, CFSAAS_CLUSTER_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; output: string }> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk));
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  return { code, signal, output };
}

describe("npm run cluster:up", () => {
  it("exits 0 on a SIGTERM sent the instant it says the control plane is ready, which stays up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfsaas-cluster-cli-"));
    work.push(dir);
    stateDir = join(dir, "cluster");
    const up = await exitOf(clusterCli("up", ["--import", SIGTERM_ON_READY]));
    expect({ code: up.code, signal: up.signal }, up.output).toEqual({ code: 0, signal: null });
    expect(up.output).toMatch(/^export KUBECONFIG=\S+$/m);
    expect(existsSync(join(stateDir, "state.json"))).toBe(true);
    expect(await pidsUnder(stateDir)).toHaveLength(2);

    const down = await exitOf(clusterCli("down"));
    expect(down.code, down.output).toBe(0);
    expect(await pidsUnder(stateDir)).toEqual([]);
  }, 120_000);

  it("stops the servers it was starting when interrupted, leaving nothing running", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfsaas-cluster-cli-"));
    work.push(dir);
    stateDir = join(dir, "cluster");
    const child = clusterCli("up");
    const exited = exitOf(child);
    // etcd's log appears once the start is under way: the handlers went in before anything started.
    await vi.waitFor(() => expect(existsSync(join(stateDir, "etcd.log"))).toBe(true), {
      timeout: 60_000,
      interval: 20,
    });
    child.kill("SIGINT");
    const up = await exited;
    expect({ code: up.code, signal: up.signal }, up.output).toEqual({ code: 1, signal: null });
    expect(up.output).toContain("SIGINT: stopped the control plane it was starting");
    expect(existsSync(stateDir)).toBe(false);
    expect(await pidsUnder(stateDir)).toEqual([]);
  }, 120_000);
});
