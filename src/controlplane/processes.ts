import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A free TCP port on 127.0.0.1, as the kernel hands it out for an ephemeral bind. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not allocate a port"));
      });
    });
  });
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  /** Keeps running after this Node process exits (npm run cluster:up). */
  detached?: boolean;
}

/** Processes started by this Node process and not yet stopped; killed on exit so a crashed test leaks nothing. */
const live = new Set<ChildProcess>();
let reaperInstalled = false;

function killLiveChildren(): void {
  for (const child of live) child.kill("SIGKILL");
}

function installReaper(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  process.once("exit", killLiveChildren);
  // A signal ends Node without running "exit" handlers. Where nobody else handles the signal (a test worker
  // being torn down), kill the children and then die of the same signal; a CLI that handles it itself
  // (the demo) stops its control plane on its own.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      killLiveChildren();
      process.kill(process.pid, signal);
    });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function terminate(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(20);
}

export function startProcess(options: SpawnOptions): ManagedProcess {
  if (!options.detached) installReaper();
  const log = openSync(options.logFile, "a");
  const child = spawn(options.command, options.args, {
    stdio: ["ignore", log, log],
    detached: options.detached ?? false,
  });
  if (child.pid === undefined) throw new Error(`${options.name} could not be started (${options.command})`);
  const pid = child.pid;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
  });
  if (options.detached) child.unref();
  else live.add(child);
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const graceful = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!graceful) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/**
 * Polls `probe` until it returns true, failing early if the process exits first: a server that died on a bad
 * flag should fail the start within a second with its log, not after the whole timeout.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exitCode: number | string | undefined;
  void proc.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${proc.name} exited (${exitCode}) before it was ready`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs} ms`);
}
