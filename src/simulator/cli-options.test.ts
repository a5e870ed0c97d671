import { describe, expect, it } from "vitest";
import { parseSimulateArgs } from "./cli-options.ts";

describe("simulate flags", () => {
  it("leaves everything to the defaults without flags", () => {
    expect(parseSimulateArgs([])).toEqual({ help: false, options: {} });
  });

  it("parses every flag", () => {
    const parsed = parseSimulateArgs([
      "--port",
      "0",
      "--dns-port",
      "8053",
      "--zone",
      "0123456789ABCDEF0123456789abcdef=tenant.net",
      "--zone",
      "fedcba9876543210fedcba9876543210",
      "--token",
      "t1",
      "--token",
      "t2",
      "--api-key",
      "k",
      "--email",
      "e@tenant.net",
      "--per-page-max",
      "1000",
      "--rate-limit",
      "100/60",
      "--time-scale",
      "60",
      "--seed",
      "3",
    ]);
    expect(parsed).toEqual({
      help: false,
      options: {
        port: 0,
        dnsPort: 8053,
        zones: [
          { id: "0123456789abcdef0123456789abcdef", name: "tenant.net" },
          { id: "fedcba9876543210fedcba9876543210", name: "zone2.saasprovider.com" },
        ],
        credentials: [{ token: "t1" }, { token: "t2" }, { email: "e@tenant.net", apiKey: "k" }],
        perPageMax: 1000,
        rateLimit: { requests: 100, windowSeconds: 60 },
        timeScale: 60,
        seed: 3,
      },
    });
  });

  it("names a lone zone saasprovider.com", () => {
    const parsed = parseSimulateArgs(["--zone", "0123456789abcdef0123456789abcdef"]);
    expect(parsed.help ? [] : parsed.options.zones).toEqual([
      { id: "0123456789abcdef0123456789abcdef", name: "saasprovider.com" },
    ]);
  });

  it("recognises --help", () => {
    expect(parseSimulateArgs(["--help"])).toEqual({ help: true });
  });

  it.each([
    [["--api-key", "k"], "--api-key and --email"],
    [["--rate-limit", "100"], "--rate-limit expects N/S"],
    [["--port", "eighty"], "--port expects"],
    [["--time-scale", "fast"], "--time-scale expects"],
    [["--bogus"], "bogus"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(message);
  });
});
