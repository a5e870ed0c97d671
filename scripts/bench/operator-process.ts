import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseSamples, type Sample } from "./prometheus-text.ts";

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Inside node_modules, so the compiled operator resolves the repository's dependencies as the image's does. */
const compiledRoot = join(repositoryRoot, "node_modules/.cache/cfsaas-bench");
let compiledMain: Promise<string> | undefined;

/** What the image's Dockerfile sets for the operator besides NODE_OPTIONS (the image test keeps them equal). */
export const IMAGE_ENVIRONMENT = { MALLOC_ARENA_MAX: "2" } as const;

/**
 * The operator as the image runs it: compiled by `tsconfig.image.json`, not type-stripped at load, which costs
 * resident memory the image never pays (docs/benchmarks.md). Compiled once per bench process.
 */
function operatorMain(): Promise<string> {
  compiledMain ??= (async () => {
    await mkdir(compiledRoot, { recursive: true });
    // Its own folder: another bench (or the bench test) may be running from another one.
    const compiledDir = await mkdtemp(join(compiledRoot, "operator-"));
    process.once("exit", () => rmSync(compiledDir, { recursive: true, force: true }));
    await promisify(execFile)(
      join(repositoryRoot, "node_modules/.bin/tsc"),
      ["-p", "tsconfig.image.json", "--outDir", compiledDir],
      { cwd: repositoryRoot },
    );
    await writeFile(join(compiledDir, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
    return join(compiledDir, "src/cli/main.js");
  })();
  return compiledMain;
}
/** Where the cgroup v1 memory controller is mounted on the bench machines (`mount | grep cgroup`). */
const MEMORY_CGROUP_ROOT = "/sys/fs/cgroup/memory";

/** What the memory cgroup saw over the operator's life: the kernel's own accounting, page cache included. */
export interface CgroupMemory {
  limitBytes: number;
  maxUsageBytes: number;
  /** Times usage hit the limit and the kernel had to reclaim. */
  failCount: number;
  /** Processes the kernel's OOM killer killed in the cgroup. */
  oomKills: number;
}

/** A cgroup v1 memory cgroup with a hard limit, removed by `close` once its processes are gone. */
class MemoryCgroup {
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  static async create(limitBytes: number): Promise<MemoryCgroup> {
    const path = join(MEMORY_CGROUP_ROOT, `cfsaas-bench-${randomBytes(4).toString("hex")}`);
    try {
      await mkdir(path);
    } catch (error) {
      throw new Error(
        `cannot create the memory cgroup ${path} (--memory-limit needs root and the cgroup v1 memory controller): ${(error as Error).message}`,
      );
    }
    await writeFile(join(path, "memory.limit_in_bytes"), String(limitBytes));
    return new MemoryCgroup(path);
  }

  async read(): Promise<CgroupMemory> {
    const number = async (file: string) => Number((await readFile(join(this.path, file), "utf8")).trim());
    const oomControl = await readFile(join(this.path, "memory.oom_control"), "utf8");
    return {
      limitBytes: await number("memory.limit_in_bytes"),
      maxUsageBytes: await number("memory.max_usage_in_bytes"),
      failCount: await number("memory.failcnt"),
      oomKills: Number(/^oom_kill (\d+)/m.exec(oomControl)?.[1] ?? 0),
    };
  }

  async close(): Promise<void> {
    await rmdir(this.path);
  }
}

export interface LogLine {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

export interface OperatorLaunch {
  kubeconfig: string;
  cloudflareApiUrl: string;
  args: string[];
  memoryLimitBytes?: number | undefined;
  nodeOptions?: string | undefined;
  /** The simulator's DNS server as the customers' DNS; without it the DNS watch is off, never the machine's resolver. */
  dnsServer?: string | undefined;
}

/** The operator as production runs it: a separate process, its JSON log parsed, its /metrics scraped. */
export class OperatorProcess {
  readonly child: ChildProcess;
  /** Date.now() just before the process was spawned. */
  readonly spawnedAt: number;
  readonly logs: LogLine[];
  /** Lines that were not JSON (a crash trace, V8's out-of-memory report). */
  readonly otherOutput: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly metricsUrl: string;
  readonly #cgroup: MemoryCgroup | undefined;
  #cgroupFinal: CgroupMemory | undefined;

  private constructor(fields: {
    child: ChildProcess;
    spawnedAt: number;
    logs: LogLine[];
    otherOutput: string[];
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    metricsUrl: string;
    cgroup: MemoryCgroup | undefined;
  }) {
    this.child = fields.child;
    this.spawnedAt = fields.spawnedAt;
    this.logs = fields.logs;
    this.otherOutput = fields.otherOutput;
    this.exited = fields.exited;
    this.metricsUrl = fields.metricsUrl;
    this.#cgroup = fields.cgroup;
  }

  static async start(launch: OperatorLaunch): Promise<OperatorProcess> {
    const cgroup =
      launch.memoryLimitBytes === undefined ? undefined : await MemoryCgroup.create(launch.memoryLimitBytes);
    const operatorCommand = [
      process.execPath,
      await operatorMain(),
      "run",
      `--kubeconfig=${launch.kubeconfig}`,
      `--cloudflare-api-url=${launch.cloudflareApiUrl}`,
      "--metrics-address=127.0.0.1:0",
      "--credentials-namespace=cfsaas-system",
      "--log-level=info",
      launch.dnsServer ? `--dns-servers=${launch.dnsServer}` : "--dns-watch=false",
      ...launch.args,
    ];
    // In a cgroup, a shell joins it and then becomes the operator (exec keeps the pid), so not one byte the
    // operator allocates is charged elsewhere.
    const [command, ...args] = cgroup
      ? ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup.path, ...operatorCommand]
      : operatorCommand;
    const env: NodeJS.ProcessEnv = { ...process.env, ...IMAGE_ENVIRONMENT, NODE_NO_WARNINGS: "1" };
    delete env.NODE_OPTIONS;
    if (launch.nodeOptions) env.NODE_OPTIONS = launch.nodeOptions;
    const spawnedAt = Date.now();
    const child = spawn(command!, args, { stdio: ["ignore", "pipe", "pipe"], env, cwd: repositoryRoot });
    const logs: LogLine[] = [];
    const otherOutput: string[] = [];
    const exited = once(child, "exit").then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    let resolveUrl: (url: string) => void = () => {};
    const served = new Promise<string>((resolveFn) => {
      resolveUrl = resolveFn;
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        let parsed: LogLine | undefined;
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          otherOutput.push(line);
          return;
        }
        logs.push(parsed);
        if (parsed.msg === "serving metrics and health" && typeof parsed.url === "string")
          resolveUrl(parsed.url);
      });
    }
    let metricsUrl: string;
    try {
      metricsUrl = await Promise.race([
        served,
        exited.then(({ code, signal }) => {
          throw new Error(
            `operator exited (${code ?? signal}) before serving:\n${[...logs.map((l) => JSON.stringify(l)), ...otherOutput].join("\n")}`,
          );
        }),
      ]);
    } catch (error) {
      await cgroup?.close();
      throw error;
    }
    return new OperatorProcess({ child, spawnedAt, logs, otherOutput, exited, metricsUrl, cgroup });
  }

  /** When the named log line was first written (its `time`), or undefined before it is. */
  loggedAt(msg: string): number | undefined {
    const line = this.logs.find((l) => l.msg === msg);
    return line ? Date.parse(line.time) : undefined;
  }

  async waitForLog(msg: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.loggedAt(msg);
      if (at !== undefined) return at;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `operator exited before logging "${msg}":\n${this.otherOutput.slice(-20).join("\n")}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`operator did not log "${msg}" within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The named metrics from the operator's /metrics. */
  async scrape(names: ReadonlySet<string>): Promise<Sample[]> {
    const response = await fetch(`${this.metricsUrl}/metrics`);
    return parseSamples(await response.text(), names);
  }

  /** The cgroup's accounting (live while running; as it was at exit afterwards), or undefined without one. */
  async cgroupMemory(): Promise<CgroupMemory | undefined> {
    if (!this.#cgroup) return undefined;
    return this.#cgroupFinal ?? this.#cgroup.read();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; removes the cgroup once the process is gone. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    if (this.#cgroup && !this.#cgroupFinal) {
      this.#cgroupFinal = await this.#cgroup.read();
      await this.#cgroup.close();
    }
    return result;
  }
}
