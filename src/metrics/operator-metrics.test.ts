import { describe, expect, it } from "vitest";
import { parseListenAddress, startObservabilityServer } from "./http-server.ts";
import { OperatorMetrics } from "./operator-metrics.ts";

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("OperatorMetrics", () => {
  it("counts Cloudflare requests by method, route template and status", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: true });
    const create = {
      method: "POST" as const,
      endpoint: "/zones/:zone_id/custom_hostnames",
      durationSeconds: 0.2,
    };
    metrics.cloudflareAttempt({ ...create, status: 201 });
    metrics.cloudflareAttempt({ ...create, status: 429 });
    metrics.cloudflareAttempt({ ...create, status: 201 });
    const text = await metrics.metrics();
    expect(
      value(
        text,
        'cfsaas_cloudflare_requests_total{method="POST",endpoint="/zones/:zone_id/custom_hostnames",code="201"}',
      ),
    ).toBe(2);
    expect(
      value(
        text,
        'cfsaas_cloudflare_requests_total{method="POST",endpoint="/zones/:zone_id/custom_hostnames",code="429"}',
      ),
    ).toBe(1);
    expect(
      value(
        text,
        'cfsaas_cloudflare_request_duration_seconds_count{method="POST",endpoint="/zones/:zone_id/custom_hostnames"}',
      ),
    ).toBe(3);
  });

  it("counts hostnames by status, and stops counting a forgotten one", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: true });
    metrics.setCustomHostnameState({
      namespace: "a",
      name: "x",
      hostname: "x.example.org",
      hostnameStatus: "pending",
      sslStatus: "pending_validation",
      ready: false,
    });
    metrics.setCustomHostnameState({
      namespace: "a",
      name: "y",
      hostname: "y.example.org",
      hostnameStatus: "pending",
      sslStatus: "pending_validation",
      ready: false,
    });
    metrics.setCustomHostnameState({ namespace: "b", name: "z", hostname: "z.example.org", ready: false });
    let text = await metrics.metrics();
    expect(
      value(text, 'cfsaas_custom_hostnames{hostname_status="pending",ssl_status="pending_validation"}'),
    ).toBe(2);
    expect(value(text, 'cfsaas_custom_hostnames{hostname_status="unknown",ssl_status="unknown"}')).toBe(1);
    metrics.forgetCustomHostname("a", "y");
    text = await metrics.metrics();
    expect(
      value(text, 'cfsaas_custom_hostnames{hostname_status="pending",ssl_status="pending_validation"}'),
    ).toBe(1);
    expect(text).not.toContain('name="y"');
  });

  it("exports readiness and certificate expiry per object, unless per-object series are off", async () => {
    const expiresAt = new Date("2027-02-26T00:00:00Z");
    const state = {
      namespace: "t",
      name: "app",
      hostname: "app.customer.com",
      hostnameStatus: "active",
      sslStatus: "active",
      ready: true,
      certificateExpiresAt: expiresAt,
    };
    const on = new OperatorMetrics({ perObjectSeries: true });
    on.setCustomHostnameState(state);
    const text = await on.metrics();
    expect(
      value(text, 'cfsaas_custom_hostname_ready{namespace="t",name="app",hostname="app.customer.com"}'),
    ).toBe(1);
    expect(
      value(
        text,
        'cfsaas_certificate_expiration_timestamp_seconds{namespace="t",name="app",hostname="app.customer.com"}',
      ),
    ).toBe(expiresAt.getTime() / 1000);
    const off = new OperatorMetrics({ perObjectSeries: false });
    off.setCustomHostnameState(state);
    const quiet = await off.metrics();
    expect(quiet).not.toContain("cfsaas_custom_hostname_ready{");
    expect(value(quiet, 'cfsaas_custom_hostnames{hostname_status="active",ssl_status="active"}')).toBe(1);
  });

  it("exports since when a hostname has not been Ready, and drops that series once it is Ready", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: true });
    const state = { namespace: "t", name: "app", hostname: "app.customer.com" };
    const series =
      'cfsaas_custom_hostname_not_ready_since_timestamp_seconds{namespace="t",name="app",hostname="app.customer.com"}';
    const since = new Date("2026-11-27T08:00:00Z");
    metrics.setCustomHostnameState({ ...state, ready: false, notReadySince: since });
    expect(value(await metrics.metrics(), series)).toBe(since.getTime() / 1000);
    metrics.setCustomHostnameState({ ...state, ready: true });
    expect(await metrics.metrics()).not.toContain(
      "cfsaas_custom_hostname_not_ready_since_timestamp_seconds{",
    );
    metrics.setCustomHostnameState({ ...state, ready: false, notReadySince: since });
    metrics.forgetCustomHostname("t", "app");
    expect(await metrics.metrics()).not.toContain(
      "cfsaas_custom_hostname_not_ready_since_timestamp_seconds{",
    );
  });

  it("moves a hostname's per-object series when it is renamed, and removes them when it is forgotten", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: true });
    const expiresAt = new Date("2027-01-01T00:00:00Z");
    const state = { namespace: "t", name: "app", ready: true, certificateExpiresAt: expiresAt };
    metrics.setCustomHostnameState({ ...state, hostname: "old.customer.com" });
    metrics.setCustomHostnameState({ ...state, hostname: "new.customer.com" });
    let text = await metrics.metrics();
    expect(text).not.toContain("old.customer.com");
    expect(
      value(text, 'cfsaas_custom_hostname_ready{namespace="t",name="app",hostname="new.customer.com"}'),
    ).toBe(1);
    expect(
      value(
        text,
        'cfsaas_certificate_expiration_timestamp_seconds{namespace="t",name="app",hostname="new.customer.com"}',
      ),
    ).toBe(expiresAt.getTime() / 1000);
    metrics.forgetCustomHostname("t", "app");
    text = await metrics.metrics();
    expect(text).not.toContain("new.customer.com");
    expect(text).not.toContain("cfsaas_custom_hostnames{");
  });

  it("drops the expiry series of a hostname whose certificate is gone, keeping its ready gauge at 0", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: true });
    const state = { namespace: "t", name: "app", hostname: "app.customer.com" };
    metrics.setCustomHostnameState({
      ...state,
      ready: true,
      certificateExpiresAt: new Date(1_800_000_000_000),
    });
    metrics.setCustomHostnameState({ ...state, ready: false, sslStatus: "pending_validation" });
    const text = await metrics.metrics();
    expect(text).not.toContain("cfsaas_certificate_expiration_timestamp_seconds{");
    expect(
      value(text, 'cfsaas_custom_hostname_ready{namespace="t",name="app",hostname="app.customer.com"}'),
    ).toBe(0);
    expect(
      value(text, 'cfsaas_custom_hostnames{hostname_status="unknown",ssl_status="pending_validation"}'),
    ).toBe(1);
  });

  it("shows each zone's rate-limit headroom until it becomes unknown", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: false });
    metrics.setRateLimitRemaining("023e", 1150);
    metrics.setRateLimitRemaining("023e", 1149);
    expect(value(await metrics.metrics(), 'cfsaas_cloudflare_ratelimit_remaining{zone="023e"}')).toBe(1149);
    metrics.setRateLimitRemaining("023e", undefined);
    expect(await metrics.metrics()).not.toContain('cfsaas_cloudflare_ratelimit_remaining{zone="023e"}');
  });

  it("keeps one readiness series per FallbackOrigin when its zone changes", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: false });
    metrics.setFallbackOriginReady("saas", "zone-a", true);
    metrics.setFallbackOriginReady("saas", "zone-b", false);
    const text = await metrics.metrics();
    expect(text).not.toContain('zone="zone-a"');
    expect(value(text, 'cfsaas_fallback_origin_ready{name="saas",zone="zone-b"}')).toBe(0);
  });

  it("reports reconciles, retries, queue depth and fallback-origin readiness by controller", async () => {
    const metrics = new OperatorMetrics({ perObjectSeries: true });
    metrics.reconciled("customhostname", "a/x", "success", 0.01);
    metrics.reconciled("customhostname", "a/x", "error", 0.02);
    metrics.retried("customhostname");
    let depth = 7;
    metrics.trackQueueDepth("customhostname", () => depth);
    metrics.setFallbackOriginReady("saas-zone", "023e", true);
    let text = await metrics.metrics();
    expect(value(text, 'cfsaas_reconcile_total{controller="customhostname",result="error"}')).toBe(1);
    expect(value(text, 'cfsaas_reconcile_total{controller="customhostname",result="success"}')).toBe(1);
    expect(value(text, 'cfsaas_reconcile_duration_seconds_count{controller="customhostname"}')).toBe(2);
    expect(value(text, 'cfsaas_reconcile_duration_seconds_sum{controller="customhostname"}')).toBeCloseTo(
      0.03,
    );
    expect(value(text, 'cfsaas_workqueue_retries_total{controller="customhostname"}')).toBe(1);
    expect(value(text, 'cfsaas_workqueue_depth{controller="customhostname"}')).toBe(7);
    expect(value(text, 'cfsaas_fallback_origin_ready{name="saas-zone",zone="023e"}')).toBe(1);
    depth = 0;
    metrics.forgetFallbackOrigin("saas-zone");
    text = await metrics.metrics();
    expect(value(text, 'cfsaas_workqueue_depth{controller="customhostname"}')).toBe(0);
    expect(text).not.toContain('name="saas-zone"');
  });
});

describe("the observability server", () => {
  it("answers /readyz 503 with reasons until ready, and serves health and metrics", async () => {
    let ready = false;
    const server = await startObservabilityServer({
      address: "127.0.0.1:0",
      metrics: new OperatorMetrics({ perObjectSeries: true }),
      readiness: () => ({ ready, reasons: ready ? [] : ["CustomHostname informer not synced"] }),
    });
    try {
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain("CustomHostname informer not synced");
      ready = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const metrics = await fetch(`${server.url}/metrics`);
      expect(await metrics.text()).toContain("process_cpu_seconds_total");
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("answers /readyz 503 instead of failing when the readiness check throws", async () => {
    const server = await startObservabilityServer({
      address: "127.0.0.1:0",
      metrics: new OperatorMetrics({ perObjectSeries: false }),
      readiness: () => {
        throw new TypeError("informers not constructed yet");
      },
    });
    try {
      const response = await fetch(`${server.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.text()).toBe("readiness check failed: TypeError\n");
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("understands the address forms of --metrics-address", () => {
    expect(parseListenAddress(":8080")).toEqual({ host: undefined, port: 8080 });
    expect(parseListenAddress("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListenAddress("[::1]:9090")).toEqual({ host: "::1", port: 9090 });
    expect(() => parseListenAddress("8080")).toThrow(/host\]:port/);
  });
});
