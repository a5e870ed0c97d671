import { parseArgs } from "node:util";
import { SOURCE_NAMES, type SourceName } from "../api/sources.ts";
import { parseDnsServers } from "../dns/resolver.ts";
import type { OperatorConfig } from "../operator/operator.ts";

/** Everything `run` takes: the operator's settings plus where to find the cluster and how much to log. */
export type RunOptions = Omit<OperatorConfig, "kube"> & {
  kubeconfig: string | undefined;
  logLevel: string;
};

interface FlagSpec {
  flag: string;
  env: string;
  /** Shown in --help; `undefined` means "no default". */
  defaultValue: string | undefined;
  help: string;
  boolean?: boolean;
}

const flags = [
  {
    flag: "kubeconfig",
    env: "KUBECONFIG",
    defaultValue: undefined,
    help: "kubeconfig file, or a list of them as in KUBECONFIG (merged as kubectl merges them); else in-cluster",
  },
  {
    flag: "credentials-namespace",
    env: "CFSAAS_CREDENTIALS_NAMESPACE",
    defaultValue: undefined,
    help: "namespace of the Cloudflare credentials Secrets (default: POD_NAMESPACE, else cfsaas-system)",
  },
  {
    flag: "cloudflare-api-url",
    env: "CFSAAS_CLOUDFLARE_API_URL",
    defaultValue: "https://api.cloudflare.com/client/v4",
    help: "Cloudflare API base URL",
  },
  {
    flag: "workers",
    env: "CFSAAS_WORKERS",
    defaultValue: "4",
    help: "CustomHostnames reconciled in parallel",
  },
  {
    flag: "leader-elect",
    env: "CFSAAS_LEADER_ELECT",
    defaultValue: "true",
    help: "elect one active replica through a Lease; false only when one process can ever run",
    boolean: true,
  },
  {
    flag: "leader-election-namespace",
    env: "CFSAAS_LEADER_ELECTION_NAMESPACE",
    defaultValue: undefined,
    help: "namespace of the Lease (default: POD_NAMESPACE, else the credentials namespace)",
  },
  {
    flag: "metrics-address",
    env: "CFSAAS_METRICS_ADDRESS",
    defaultValue: ":8080",
    help: "address serving /metrics, /healthz and /readyz",
  },
  {
    flag: "page-size",
    env: "CFSAAS_PAGE_SIZE",
    defaultValue: "50",
    help: "custom hostnames per list page (Cloudflare documents 50 in 2024, 1000 in 2026)",
  },
  {
    flag: "request-budget",
    env: "CFSAAS_REQUEST_BUDGET",
    defaultValue: "1000/300",
    help: "Cloudflare requests per seconds per credential, N/S (Cloudflare allows 1200/300)",
  },
  {
    flag: "zone-poll-interval",
    env: "CFSAAS_ZONE_POLL_INTERVAL",
    defaultValue: "5m",
    help: "how often each zone's hostnames are refreshed with one paged list",
  },
  {
    flag: "per-object-metrics",
    env: "CFSAAS_PER_OBJECT_METRICS",
    defaultValue: "true",
    help: "export per-CustomHostname series (turn off for very large fleets)",
    boolean: true,
  },
  {
    flag: "sources",
    env: "CFSAAS_SOURCES",
    defaultValue: undefined,
    help: `generate CustomHostnames from annotated routes, comma-separated: ${SOURCE_NAMES.join(", ")} (docs/sources.md)`,
  },
  { flag: "log-level", env: "CFSAAS_LOG_LEVEL", defaultValue: "info", help: "trace|debug|info|warn|error" },
  {
    flag: "dns-watch",
    env: "CFSAAS_DNS_WATCH",
    defaultValue: "true",
    help: "watch the customers' DNS: DNSConfigured, and re-validation as soon as DNS is right",
    boolean: true,
  },
  {
    flag: "dns-servers",
    env: "CFSAAS_DNS_SERVERS",
    defaultValue: undefined,
    help: "recursive resolvers to ask, IP[:port],… (default: the system's, from /etc/resolv.conf)",
  },
  {
    flag: "dns-timeout",
    env: "CFSAAS_DNS_TIMEOUT",
    defaultValue: "5s",
    help: "how long to wait for one DNS answer from one server",
  },
  {
    flag: "dns-concurrency",
    env: "CFSAAS_DNS_CONCURRENCY",
    defaultValue: "16",
    help: "DNS questions in flight at once",
  },
  {
    flag: "dns-check-interval",
    env: "CFSAAS_DNS_CHECK_INTERVAL",
    defaultValue: "1m",
    help: "how often a hostname that is not Ready is looked up in DNS (±10 % jitter)",
  },
  {
    flag: "dns-ready-check-interval",
    env: "CFSAAS_DNS_READY_CHECK_INTERVAL",
    defaultValue: "3h",
    help: "how often a Ready hostname is looked up in DNS (±10 % jitter)",
  },
  {
    flag: "dns-refresh-threshold",
    env: "CFSAAS_DNS_REFRESH_THRESHOLD",
    defaultValue: "5m",
    help: "ask Cloudflare to re-validate on a DNS change only if its own next check is further away",
  },
  {
    flag: "dns-refresh-interval",
    env: "CFSAAS_DNS_REFRESH_INTERVAL",
    defaultValue: "1h",
    help: "at most one re-validation on a DNS change per hostname in this long",
  },
  {
    flag: "validation-schedule-scale",
    env: "CFSAAS_VALIDATION_SCHEDULE_SCALE",
    defaultValue: "1",
    help: "multiply the validation check schedule (tests and the demo use < 1 with the simulator)",
  },
] as const satisfies readonly FlagSpec[];

export const RUN_USAGE = `Usage: cfsaas-operator run [flags]

Runs the operator: reconciles CustomHostname and FallbackOrigin resources against the Cloudflare API.
Every flag can also be set through the environment variable shown.

Flags:
${flags
  .map((spec: FlagSpec) => {
    const name = `--${spec.flag}${spec.boolean ? "[=true|false]" : ""}`;
    const fallback = spec.defaultValue === undefined ? "" : ` (default ${spec.defaultValue})`;
    return `  ${name.padEnd(36)} ${spec.help}${fallback}\n  ${"".padEnd(36)} env ${spec.env}`;
  })
  .join("\n")}
  --help                               show this help`;

export function parseDuration(flag: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw.trim());
  if (!match) throw new Error(`--${flag} expects a duration such as 500ms, 30s, 5m or 1h, got "${raw}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

function positive(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${flag} expects a positive ${integer ? "integer" : "number"}, got "${raw}"`);
  }
  return value;
}

function sourceList(flag: string, raw: string): SourceName[] {
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(SOURCE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(`--${flag} accepts ${SOURCE_NAMES.join(", ")}; got "${unknown.join(", ")}"`);
  }
  return [...new Set(names as SourceName[])];
}

function bool(flag: string, raw: string): boolean {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new Error(`--${flag} expects true or false, got "${raw}"`);
}

/** The credentials (and Lease) namespace outside a cluster, when neither the flag nor POD_NAMESPACE says. */
const fallbackNamespace = "cfsaas-system";

function dnsServers(raw: string | undefined) {
  if (raw === undefined) return undefined;
  try {
    return parseDnsServers(raw);
  } catch (error) {
    throw new Error(`--dns-servers ${(error as Error).message}`);
  }
}

export type ParsedRunArgs = { help: true } | { help: false; options: RunOptions };

/** Flags win over environment variables, which win over defaults. Throws messages fit for the user. */
export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedRunArgs {
  const booleanFlags = new Set(
    flags.filter((spec: FlagSpec) => spec.boolean).map((spec) => `--${spec.flag}`),
  );
  const { values } = parseArgs({
    // A bare boolean flag (`--leader-elect`) means true.
    args: argv.map((arg) => (booleanFlags.has(arg) ? `${arg}=true` : arg)),
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean" },
      ...Object.fromEntries(flags.map((spec) => [spec.flag, { type: "string" as const }])),
    },
  });
  if (values.help) return { help: true };
  const raw = (spec: FlagSpec): string | undefined => {
    const fromFlag = (values as Record<string, string | boolean | undefined>)[spec.flag];
    return typeof fromFlag === "string" ? fromFlag : env[spec.env] || spec.defaultValue;
  };
  const get = (flag: (typeof flags)[number]["flag"]) => raw(flags.find((spec) => spec.flag === flag)!);
  const budget = /^(\d+)\/(\d+)$/.exec(get("request-budget")!);
  if (!budget)
    throw new Error(`--request-budget expects N/S such as 1000/300, got "${get("request-budget")}"`);
  // In a cluster the downward API gives the pod's namespace, which is where the manifests put the credentials Role:
  // a kustomize overlay that moves the namespace moves both (docs/install.md).
  const credentialsNamespace = get("credentials-namespace") ?? (env.POD_NAMESPACE || fallbackNamespace);
  const pageSize = positive("page-size", get("page-size")!, true);
  if (pageSize < 5) throw new Error("--page-size must be at least 5 (Cloudflare's minimum per_page)");
  return {
    help: false,
    options: {
      kubeconfig: get("kubeconfig"),
      credentialsNamespace,
      cloudflareApiUrl: get("cloudflare-api-url")!.replace(/\/+$/, ""),
      workers: positive("workers", get("workers")!, true),
      leaderElect: bool("leader-elect", get("leader-elect")!),
      leaderElectionNamespace:
        get("leader-election-namespace") ?? (env.POD_NAMESPACE || credentialsNamespace),
      metricsAddress: get("metrics-address")!,
      pageSize,
      requestBudget: { requests: Number(budget[1]), windowSeconds: Number(budget[2]) },
      zonePollIntervalMs: parseDuration("zone-poll-interval", get("zone-poll-interval")!),
      perObjectMetrics: bool("per-object-metrics", get("per-object-metrics")!),
      sources: sourceList("sources", get("sources") ?? ""),
      logLevel: get("log-level")!,
      validationScheduleScale: positive(
        "validation-schedule-scale",
        get("validation-schedule-scale")!,
        false,
      ),
      dnsWatch: bool("dns-watch", get("dns-watch")!)
        ? {
            servers: dnsServers(get("dns-servers")),
            timeoutMs: parseDuration("dns-timeout", get("dns-timeout")!),
            concurrency: positive("dns-concurrency", get("dns-concurrency")!, true),
            pendingIntervalMs: parseDuration("dns-check-interval", get("dns-check-interval")!),
            readyIntervalMs: parseDuration("dns-ready-check-interval", get("dns-ready-check-interval")!),
            refreshThresholdMs: parseDuration("dns-refresh-threshold", get("dns-refresh-threshold")!),
            refreshIntervalMs: parseDuration("dns-refresh-interval", get("dns-refresh-interval")!),
          }
        : undefined,
    },
  };
}
