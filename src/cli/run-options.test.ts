import { describe, expect, it } from "vitest";
import { parseDuration, parseRunArgs, RUN_USAGE } from "./run-options.ts";

function options(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseRunArgs(argv, env);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.options;
}

describe("cfsaas-operator run flags", () => {
  it("uses the documented defaults when nothing is set", () => {
    expect(options([])).toEqual({
      kubeconfig: undefined,
      credentialsNamespace: "cfsaas-system",
      cloudflareApiUrl: "https://api.cloudflare.com/client/v4",
      workers: 4,
      leaderElect: true,
      leaderElectionNamespace: "cfsaas-system",
      metricsAddress: ":8080",
      pageSize: 50,
      requestBudget: { requests: 1000, windowSeconds: 300 },
      zonePollIntervalMs: 300_000,
      perObjectMetrics: true,
      logLevel: "info",
      validationScheduleScale: 1,
      sources: [],
      dnsWatch: {
        servers: undefined,
        timeoutMs: 5000,
        concurrency: 16,
        pendingIntervalMs: 60_000,
        readyIntervalMs: 3 * 3_600_000,
        refreshThresholdMs: 300_000,
        refreshIntervalMs: 3_600_000,
      },
    });
  });

  it("watches the customers' DNS through the resolvers given, or not at all", () => {
    expect(
      options(["--dns-servers=10.96.0.10, 127.0.0.1:8053,[2001:db8::53]:5353"]).dnsWatch?.servers,
    ).toEqual([
      { host: "10.96.0.10", port: 53 },
      { host: "127.0.0.1", port: 8053 },
      { host: "2001:db8::53", port: 5353 },
    ]);
    expect(options([], { CFSAAS_DNS_WATCH: "false" }).dnsWatch).toBeUndefined();
  });

  it("enables sources from --sources or CFSAAS_SOURCES, comma-separated, each once", () => {
    expect(options(["--sources", "gateway-httproute, ingress,ingress"]).sources).toEqual([
      "gateway-httproute",
      "ingress",
    ]);
    expect(options([], { CFSAAS_SOURCES: "ingress" }).sources).toEqual(["ingress"]);
    expect(options(["--sources="], { CFSAAS_SOURCES: "ingress" }).sources).toEqual([]);
  });

  it("takes each setting from its CFSAAS_ environment variable, and flags win over the environment", () => {
    const env = {
      KUBECONFIG: "/tmp/kc",
      CFSAAS_CREDENTIALS_NAMESPACE: "ops",
      CFSAAS_WORKERS: "8",
      CFSAAS_LEADER_ELECT: "false",
      CFSAAS_PAGE_SIZE: "1000",
      CFSAAS_REQUEST_BUDGET: "600/300",
      CFSAAS_ZONE_POLL_INTERVAL: "90s",
    };
    expect(options([], env)).toMatchObject({
      kubeconfig: "/tmp/kc",
      credentialsNamespace: "ops",
      workers: 8,
      leaderElect: false,
      leaderElectionNamespace: "ops",
      pageSize: 1000,
      requestBudget: { requests: 600, windowSeconds: 300 },
      zonePollIntervalMs: 90_000,
    });
    expect(options(["--workers", "2", "--leader-elect=true", "--kubeconfig=/x"], env)).toMatchObject({
      workers: 2,
      leaderElect: true,
      kubeconfig: "/x",
    });
  });

  it("treats a bare boolean flag as true", () => {
    expect(options(["--per-object-metrics"], { CFSAAS_PER_OBJECT_METRICS: "false" }).perObjectMetrics).toBe(
      true,
    );
  });

  it("takes the last of a repeated flag, so the chart's extraArgs override its own flags", () => {
    expect(
      options([
        "--zone-poll-interval=5m",
        "--leader-elect=true",
        "--zone-poll-interval=30s",
        "--leader-elect=false",
      ]),
    ).toMatchObject({ zonePollIntervalMs: 30_000, leaderElect: false });
  });

  it("elects a leader unless told not to, so a second replica, however it came, stands by", () => {
    expect(options([]).leaderElect).toBe(true);
    expect(options(["--leader-elect=false"]).leaderElect).toBe(false);
    expect(options([], { CFSAAS_LEADER_ELECT: "false" }).leaderElect).toBe(false);
  });

  it("reads credentials from, and puts the Lease in, the pod's namespace when running in a cluster", () => {
    expect(options([], { POD_NAMESPACE: "cfsaas" })).toMatchObject({
      credentialsNamespace: "cfsaas",
      leaderElectionNamespace: "cfsaas",
    });
    // A kustomize overlay that moves the namespace needs no flag; an explicit flag still wins.
    expect(
      options(["--credentials-namespace=secrets"], { POD_NAMESPACE: "cfsaas" }).credentialsNamespace,
    ).toBe("secrets");
    expect(options([], { POD_NAMESPACE: "cfsaas", CFSAAS_CREDENTIALS_NAMESPACE: "vault" })).toMatchObject({
      credentialsNamespace: "vault",
      leaderElectionNamespace: "cfsaas",
    });
  });

  it.each([
    [["--workers", "0"], /--workers expects a positive integer/],
    [["--page-size", "2"], /at least 5/],
    [["--request-budget", "lots"], /--request-budget expects N\/S/],
    [["--zone-poll-interval", "5 minutes"], /duration such as/],
    [["--leader-elect=maybe"], /expects true or false/],
    [["--dns-servers", "dns.google"], /--dns-servers expects IP\[:port\]/],
    [["--dns-check-interval", "often"], /--dns-check-interval expects a duration/],
    [["--no-such-flag"], /Unknown option/],
    [["--sources", "ingress,httproute"], /--sources accepts gateway-httproute, ingress; got "httproute"/],
  ])("rejects %j with a message that says what is expected", (argv, message) => {
    expect(() => parseRunArgs(argv, {})).toThrow(message);
  });

  it("lists every flag with its environment variable in --help", () => {
    expect(parseRunArgs(["--help"], {})).toEqual({ help: true });
    for (const flag of [
      "--kubeconfig",
      "--credentials-namespace",
      "--cloudflare-api-url",
      "--workers",
      "--leader-elect",
      "--metrics-address",
      "--page-size",
      "--request-budget",
    ]) {
      expect(RUN_USAGE).toContain(flag);
    }
    expect(RUN_USAGE).toContain("CFSAAS_REQUEST_BUDGET");
  });

  it("parses durations in the units operators write", () => {
    expect([
      parseDuration("x", "500ms"),
      parseDuration("x", "30s"),
      parseDuration("x", "5m"),
      parseDuration("x", "1h"),
    ]).toEqual([500, 30_000, 300_000, 3_600_000]);
  });
});
