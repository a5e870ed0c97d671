import { parseArgs } from "node:util";

export const SCENARIOS = ["onboard", "adopt", "restart", "churn", "memory"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface RatePolicy {
  requests: number;
  windowSeconds: number;
}

/** Everything a bench run is configured by; `npm run bench -- --help` explains each one. */
export interface BenchOptions {
  scenarios: ScenarioName[];
  hostnames: number;
  /** Share of onboarded customers whose CNAME is in place before their hostname is applied; the rest never. */
  dnsReadyShare: number;
  /** The simulator's limit per credential (Cloudflare's is 1200/300). */
  rateLimit: RatePolicy;
  /** The operator's `--request-budget`. */
  requestBudget: RatePolicy;
  pageSize: number;
  zonePollIntervalSeconds: number;
  /** Simulated seconds per real second in the simulator. */
  timeScale: number;
  /** The operator's --validation-schedule-scale; undefined = 1 / timeScale, so its checks follow the simulator. */
  validationScheduleScale: number | undefined;
  /** Poll intervals of churn, each editing and deleting `churnShare` of the hostnames. */
  churnIntervals: number;
  churnShare: number;
  /** Bytes; starts the measured operator inside a cgroup v1 memory cgroup with this limit. */
  memoryLimitBytes: number | undefined;
  /** NODE_OPTIONS for the measured operator, e.g. --max-old-space-size=160. */
  operatorNodeOptions: string | undefined;
  /** More `run` flags for the measured operator. */
  operatorArgs: string[];
  /** Creates in flight at once when applying hostnames. */
  applyConcurrency: number;
  /** Longest a scenario waits for the operator to converge, in seconds. */
  timeoutSeconds: number;
  json: boolean;
}

/** The measurement settings: Cloudflare's real limit, the operator's default budget and page size. */
export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  scenarios: [...SCENARIOS],
  hostnames: 1000,
  dnsReadyShare: 0.9,
  rateLimit: { requests: 1200, windowSeconds: 300 },
  requestBudget: { requests: 1000, windowSeconds: 300 },
  pageSize: 50,
  zonePollIntervalSeconds: 30,
  timeScale: 600,
  validationScheduleScale: undefined,
  churnIntervals: 3,
  churnShare: 0.01,
  memoryLimitBytes: undefined,
  // As the container image's entrypoint: V8's heap gets 60 % of the memory limit Node reads from the cgroup.
  operatorNodeOptions: "--max-old-space-size-percentage=60",
  operatorArgs: [],
  applyConcurrency: 32,
  timeoutSeconds: 3600,
  json: false,
};

/** The memory scenario's limit when none is given: the target. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;
export const MAX_HOSTNAMES = 10_000;

export const BENCH_USAGE = `Usage: npm run bench -- [flags]

Starts a real kube-apiserver + etcd, the Cloudflare simulator and the operator as a separate process, runs
the scenarios and prints each figure beside its target (docs/benchmarks.md).

Flags:
  --scenario S[,S…]        ${SCENARIOS.join(", ")} (default: all)
  --hostnames N            hostnames per scenario, 1…${MAX_HOSTNAMES} (default ${DEFAULT_BENCH_OPTIONS.hostnames})
  --dns-ready-share X      onboard: share of customers whose CNAME is in place (default ${DEFAULT_BENCH_OPTIONS.dnsReadyShare})
  --rate-limit N/S         the simulator's rate limit per credential (default 1200/300, Cloudflare's)
  --request-budget N/S     the operator's budget (default 1000/300, its default); raise both together to
                           compress time: requests per hostname do not depend on it
  --page-size N            the operator's --page-size; the simulator honours per_page up to it (default 50)
  --zone-poll-interval S   the operator's zone poll interval in seconds (default 30)
  --time-scale X           simulator speed-up; the operator's validation schedule is scaled by 1/X (default 600)
  --validation-schedule-scale X  the operator's schedule scale instead of 1/X, e.g. 1 to keep its checks out
                           of the creation phase and count what creates alone cost
  --churn-intervals N      churn: poll intervals with edits and deletes (default 3)
  --churn-share X          churn: share edited and share deleted per interval (default 0.01)
  --memory-limit SIZE      run the measured operator in a cgroup v1 memory cgroup (e.g. 256M; needs root);
                           the memory scenario uses 256M when not given
  --operator-node-options=S  NODE_OPTIONS of the measured operator (default as the image: "--max-old-space-size-percentage=60")
  --operator-arg=FLAG      one more \`run\` flag for the measured operator (e.g. --operator-arg=--workers=8);
                           repeatable
  --apply-concurrency N    creates in flight when applying (default 32)
  --timeout S              longest wait for a scenario to converge, in seconds (default 3600)
  --json                   print one JSON document instead of tables
  --help                   show this help`;

function positive(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${flag} expects a positive ${integer ? "integer" : "number"}, got "${raw}"`);
  }
  return value;
}

function share(flag: string, raw: string): number {
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) throw new Error(`--${flag} expects a number from 0 to 1, got "${raw}"`);
  return value;
}

function ratePolicy(flag: string, raw: string): RatePolicy {
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  if (!match || Number(match[1]) <= 0 || Number(match[2]) <= 0) {
    throw new Error(`--${flag} expects N/S with positive integers, e.g. 1200/300, got "${raw}"`);
  }
  return { requests: Number(match[1]), windowSeconds: Number(match[2]) };
}

/** "256M", "1G", "268435456" → bytes (binary units, as the cgroup and Kubernetes' Mi/Gi). */
export function parseMemorySize(raw: string): number {
  const match = /^(\d+)([KMG]i?)?$/i.exec(raw.trim());
  if (!match) throw new Error(`--memory-limit expects a size such as 256M or 1G, got "${raw}"`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match[2] ?? "").charAt(0).toUpperCase()]!;
  return Number(match[1]) * unit;
}

export type ParsedBenchArgs = { help: true } | { help: false; options: BenchOptions };

/** Parses `npm run bench` flags; throws an Error whose message is fit for the user. */
export function parseBenchArgs(argv: string[]): ParsedBenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      scenario: { type: "string", multiple: true },
      hostnames: { type: "string" },
      "dns-ready-share": { type: "string" },
      "rate-limit": { type: "string" },
      "request-budget": { type: "string" },
      "page-size": { type: "string" },
      "zone-poll-interval": { type: "string" },
      "time-scale": { type: "string" },
      "validation-schedule-scale": { type: "string" },
      "churn-intervals": { type: "string" },
      "churn-share": { type: "string" },
      "memory-limit": { type: "string" },
      "operator-node-options": { type: "string" },
      "operator-arg": { type: "string", multiple: true },
      "apply-concurrency": { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return { help: true };
  const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, operatorArgs: values["operator-arg"] ?? [] };
  if (values.scenario) {
    const names = values.scenario.flatMap((value) => value.split(",")).map((name) => name.trim());
    const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
    if (unknown.length > 0) {
      throw new Error(`--scenario: unknown ${unknown.join(", ")}; choose from ${SCENARIOS.join(", ")}`);
    }
    options.scenarios = SCENARIOS.filter((name) => names.includes(name));
  }
  if (values.hostnames !== undefined) {
    options.hostnames = positive("hostnames", values.hostnames, true);
    if (options.hostnames > MAX_HOSTNAMES) throw new Error(`--hostnames is at most ${MAX_HOSTNAMES}`);
  }
  if (values["dns-ready-share"] !== undefined)
    options.dnsReadyShare = share("dns-ready-share", values["dns-ready-share"]);
  if (values["rate-limit"] !== undefined) options.rateLimit = ratePolicy("rate-limit", values["rate-limit"]);
  if (values["request-budget"] !== undefined)
    options.requestBudget = ratePolicy("request-budget", values["request-budget"]);
  if (values["page-size"] !== undefined) {
    options.pageSize = positive("page-size", values["page-size"], true);
    if (options.pageSize < 5)
      throw new Error("--page-size must be at least 5 (Cloudflare's minimum per_page)");
  }
  if (values["zone-poll-interval"] !== undefined)
    options.zonePollIntervalSeconds = positive("zone-poll-interval", values["zone-poll-interval"], false);
  if (values["time-scale"] !== undefined)
    options.timeScale = positive("time-scale", values["time-scale"], false);
  if (values["validation-schedule-scale"] !== undefined) {
    options.validationScheduleScale = positive(
      "validation-schedule-scale",
      values["validation-schedule-scale"],
      false,
    );
  }
  if (values["churn-intervals"] !== undefined)
    options.churnIntervals = positive("churn-intervals", values["churn-intervals"], true);
  if (values["churn-share"] !== undefined) options.churnShare = share("churn-share", values["churn-share"]);
  if (values["memory-limit"] !== undefined)
    options.memoryLimitBytes = parseMemorySize(values["memory-limit"]);
  if (values["operator-node-options"] !== undefined)
    options.operatorNodeOptions = values["operator-node-options"];
  if (values["apply-concurrency"] !== undefined)
    options.applyConcurrency = positive("apply-concurrency", values["apply-concurrency"], true);
  if (values.timeout !== undefined) options.timeoutSeconds = positive("timeout", values.timeout, false);
  options.json = values.json ?? false;
  return { help: false, options };
}
