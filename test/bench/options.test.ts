import { describe, expect, it } from "vitest";
import {
  DEFAULT_BENCH_OPTIONS,
  parseBenchArgs,
  parseMemorySize,
  SCENARIOS,
} from "../../scripts/bench/options.ts";
import { parseSamples, sumSamples } from "../../scripts/bench/prometheus-text.ts";

describe("npm run bench flags", () => {
  it("defaults to every scenario at the issue's settings", () => {
    expect(parseBenchArgs([])).toEqual({ help: false, options: DEFAULT_BENCH_OPTIONS });
    expect(DEFAULT_BENCH_OPTIONS).toMatchObject({
      scenarios: [...SCENARIOS],
      hostnames: 1000,
      rateLimit: { requests: 1200, windowSeconds: 300 },
      requestBudget: { requests: 1000, windowSeconds: 300 },
      pageSize: 50,
    });
  });

  it("takes scenarios as a list or repeated, in the bench's order", () => {
    const parsed = parseBenchArgs(["--scenario", "restart,onboard", "--scenario", "adopt"]);
    expect(parsed.help === false && parsed.options.scenarios).toEqual(["onboard", "adopt", "restart"]);
  });

  it("reads limits, sizes and the memory limit", () => {
    const parsed = parseBenchArgs([
      "--hostnames=10000",
      "--rate-limit=12000/300",
      "--request-budget=10000/300",
      "--memory-limit=256M",
      "--operator-arg=--workers=8",
      "--json",
    ]);
    expect(parsed.help === false && parsed.options).toMatchObject({
      hostnames: 10000,
      rateLimit: { requests: 12000, windowSeconds: 300 },
      requestBudget: { requests: 10000, windowSeconds: 300 },
      memoryLimitBytes: 256 * 1024 * 1024,
      operatorArgs: ["--workers=8"],
      json: true,
    });
    expect(parseMemorySize("1Gi")).toBe(1024 ** 3);
    expect(parseMemorySize("268435456")).toBe(268435456);
  });

  it("refuses bad input with a message naming the flag", () => {
    expect(() => parseBenchArgs(["--scenario", "soak"])).toThrow("--scenario: unknown soak");
    expect(() => parseBenchArgs(["--hostnames", "10001"])).toThrow("--hostnames is at most 10000");
    expect(() => parseBenchArgs(["--hostnames", "1.5"])).toThrow("--hostnames expects a positive integer");
    expect(() => parseBenchArgs(["--rate-limit", "1200"])).toThrow("--rate-limit expects N/S");
    expect(() => parseBenchArgs(["--page-size", "4"])).toThrow("--page-size must be at least 5");
    expect(() => parseBenchArgs(["--dns-ready-share", "2"])).toThrow(
      "--dns-ready-share expects a number from 0 to 1",
    );
    expect(() => parseBenchArgs(["--memory-limit", "lots"])).toThrow("--memory-limit expects a size");
    expect(() => parseBenchArgs(["--nope"])).toThrow();
  });
});

describe("Prometheus text", () => {
  it("sums the series of a metric whose labels match", () => {
    const samples = parseSamples(
      [
        "# HELP cfsaas_cloudflare_requests_total Requests.",
        'cfsaas_cloudflare_requests_total{method="POST",endpoint="/a",code="201"} 3',
        'cfsaas_cloudflare_requests_total{method="GET",endpoint="/a",code="429"} 2',
        'cfsaas_cloudflare_requests_total{method="POST",endpoint="/b",code="429"} 1',
        "process_resident_memory_bytes 1048576",
        "process_resident_memory_bytes_other 7",
      ].join("\n"),
      new Set(["cfsaas_cloudflare_requests_total", "process_resident_memory_bytes"]),
    );
    expect(sumSamples(samples, "cfsaas_cloudflare_requests_total", { code: "429" })).toBe(3);
    expect(sumSamples(samples, "cfsaas_cloudflare_requests_total")).toBe(6);
    expect(sumSamples(samples, "process_resident_memory_bytes")).toBe(1048576);
  });
});
