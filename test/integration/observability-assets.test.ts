import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { OperatorMetrics } from "../../src/metrics/operator-metrics.ts";

const root = new URL("../../", import.meta.url).pathname;
const rulesPath = "charts/cfsaas-operator/files/prometheus-rules.yaml";
const dashboardPath = "charts/cfsaas-operator/files/grafana-dashboard.json";
const ruleTestsPath = "test/fixtures/alerts-test.yaml";

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface DashboardTarget {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

interface DashboardPanel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
}

interface Dashboard {
  schemaVersion: number;
  uid: string;
  templating: { list: { name: string; type: string; query: string }[] };
  panels: DashboardPanel[];
}

/** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(path: string): string[] {
  return readFileSync(join(root, path), "utf8")
    .split("\n")
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) =>
      line
        .replace(/^#+ /, "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
}

/** promtool ships in Debian's `prometheus` package, which `npm run setup` installs. */
function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("promtool", args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && code === -1 ? error.message : ""}` });
    });
  });
}

/** The operator's metric families as its /metrics shows them, default Node process metrics included. */
const exportedMetrics = await new OperatorMetrics({ perObjectSeries: true }).registry.getMetricsAsJSON();

/** Every series name those families produce: histograms and summaries add their suffixed series. */
function seriesNames(metrics: typeof exportedMetrics): Set<string> {
  const names = new Set<string>();
  for (const metric of metrics) {
    names.add(metric.name);
    const suffixes: Record<string, string[]> = {
      histogram: ["_bucket", "_count", "_sum"],
      summary: ["_count", "_sum"],
    };
    for (const suffix of suffixes[String(metric.type)] ?? []) names.add(metric.name + suffix);
  }
  return names;
}

const promqlKeywords = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"]);

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers, ranges,
 * grouping clauses and Grafana variables are gone, that are neither a function call nor a keyword.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$__\w+|\$\{\w+\}/g, " ");
  const names: string[] = [];
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = bare[match.index - 1] ?? " ";
    const after = bare.slice(match.index + match[0].length);
    if (/[0-9.]/.test(before) || /^\s*\(/.test(after) || promqlKeywords.has(match[0])) continue;
    names.push(match[0]);
  }
  return names;
}

const rules = parse(readFileSync(join(root, rulesPath), "utf8")) as { groups: { rules: AlertRule[] }[] };
const alerts = rules.groups.flatMap((group) => group.rules);
const dashboard = JSON.parse(readFileSync(join(root, dashboardPath), "utf8")) as Dashboard;
const queryPanels = dashboard.panels.filter((panel) => panel.type !== "row");
const observabilityDoc = readFileSync(join(root, "docs/observability.md"), "utf8");
// `up` is Prometheus's own per-target series, the only way to see that the operator is not scraped at all.
const queryableNames = new Set([...seriesNames(exportedMetrics), "up"]);

describe("the Prometheus alerting rules shipped with the chart", () => {
  it("pass promtool's rule check", async () => {
    const checked = await promtool(["check", "rules", rulesPath]);
    expect(checked.output).toMatch(/SUCCESS/);
    expect(checked.code).toBe(0);
  });

  it("fire, and stay silent, exactly as their promtool unit tests expect", async () => {
    const tested = await promtool(["test", "rules", ruleTestsPath]);
    expect(tested.output).toMatch(/SUCCESS/);
    expect(tested.code, tested.output).toBe(0);
  });

  it("alert on stuck hostnames, expiring certificates, customers' DNS moved away, inactive origins, Cloudflare trouble and the operator itself", () => {
    expect(alerts.map((rule) => rule.alert).sort()).toEqual([
      "CfsaasCertificateExpiringSoon",
      "CfsaasCloudflareErrors",
      "CfsaasCloudflareRateLimitHeadroomLow",
      "CfsaasCloudflareRateLimited",
      "CfsaasCustomHostnameNotReady",
      "CfsaasCustomerDNSMovedAway",
      "CfsaasFallbackOriginNotReady",
      "CfsaasOperatorDown",
      "CfsaasReconcileErrors",
      "CfsaasWorkQueueBacklog",
    ]);
    const notReady = alerts.find((rule) => rule.alert === "CfsaasCustomHostnameNotReady");
    // Measured from the Ready condition's transition, not by `for: 24h`, which restarts with the operator.
    expect(notReady).toMatchObject({
      expr: "time() - cfsaas_custom_hostname_not_ready_since_timestamp_seconds > 24 * 3600",
      for: "10m",
    });
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    "%s waits before firing and tells the on-call engineer its severity, the object and what to do",
    (_name, rule) => {
      expect(rule.for).toMatch(/^\d+[smhd]$/);
      expect(["warning", "critical"]).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toMatch(/\{\{ \$labels\.\w+ \}\}|cfsaas-operator/);
      expect(rule.annotations?.description?.length).toBeGreaterThan(80);
      const runbook =
        /^https:\/\/github\.com\/cfsaas\/cfsaas-operator\/blob\/main\/(docs\/[\w-]+\.md)#(.+)$/.exec(
          rule.annotations?.runbook_url ?? "",
        );
      expect(runbook, `${rule.alert} runbook_url`).not.toBeNull();
      expect(headingAnchors(runbook![1]!), `${runbook![1]} has no heading for #${runbook![2]}`).toContain(
        runbook![2],
      );
      expect(runbook![2]).toBe(rule.alert.toLowerCase());
    },
  );

  it("query only series the operator exports", () => {
    for (const rule of alerts) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(queryableNames, `${rule.alert} uses ${name}`).toContain(name);
    }
  });
});

describe("the Grafana dashboard shipped with the chart", () => {
  const scratch = mkdtempSync(join(tmpdir(), "cfsaas-dashboard-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is a Grafana dashboard of schema 38 or later with a Prometheus datasource variable", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.uid).toBe("cfsaas-operator");
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }),
    );
  });

  it("has the panels that show which hostnames are stuck and whether the operator keeps up", () => {
    expect(queryPanels.map((panel) => panel.title)).toEqual([
      "Custom hostnames by status",
      "Custom hostnames not Ready",
      "Certificates expiring soonest",
      "Fallback origins ready",
      "Cloudflare requests by endpoint and code",
      "Cloudflare request latency p95",
      "Rate-limit headroom",
      "Reconciles by result",
      "Reconcile errors",
      "Reconcile duration p95",
      "Work queue depth",
      "Work queue retries",
      "Operator targets up",
      "Resident memory",
      "Event loop lag p99",
    ]);
  });

  it("queries every panel through the datasource the viewer picks", () => {
    for (const panel of queryPanels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? [])
        expect(target.datasource, panel.title).toEqual(panel.datasource);
    }
  });

  it("query only series the operator exports", () => {
    for (const panel of queryPanels) {
      for (const target of panel.targets ?? []) {
        const names = metricNamesIn(target.expr ?? "");
        expect(names.length, panel.title).toBeGreaterThan(0);
        for (const name of names) expect(queryableNames, `${panel.title} uses ${name}`).toContain(name);
      }
    }
  });

  it("uses PromQL that Prometheus parses", async () => {
    // Grafana substitutes $__rate_interval before Prometheus sees the query; promtool parses what remains.
    const asRecordingRules = {
      groups: [
        {
          name: "dashboard",
          rules: queryPanels.flatMap((panel, index) =>
            (panel.targets ?? []).map((target) => ({
              record: `dashboard:panel_${index}`,
              expr: (target.expr ?? "").replaceAll("$__rate_interval", "5m"),
            })),
          ),
        },
      ],
    };
    const file = join(scratch, "dashboard-queries.yaml");
    writeFileSync(file, stringify(asRecordingRules));
    const checked = await promtool(["check", "rules", file]);
    expect(checked.code, checked.output).toBe(0);
  });
});

describe("docs/observability.md", () => {
  it("documents every cfsaas_ metric the operator exports, with its type", () => {
    const own = exportedMetrics.filter((metric) => metric.name.startsWith("cfsaas_"));
    expect(own.length).toBeGreaterThan(0);
    for (const metric of own) {
      const row = observabilityDoc.split("\n").find((line) => line.includes(`\`${metric.name}\``));
      expect(row, metric.name).toBeDefined();
      expect(row, metric.name).toContain(metric.type);
    }
  });

  it("explains every alert the chart ships and the flag that turns per-object series off", () => {
    for (const rule of alerts) expect(observabilityDoc, rule.alert).toContain(rule.alert);
    expect(observabilityDoc).toContain("--per-object-metrics");
    expect(observabilityDoc).toContain(dashboardPath.replace("charts/cfsaas-operator/", ""));
  });
});
