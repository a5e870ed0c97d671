import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../support/control-plane.ts";

const main = resolve("src/cli/main.ts");
const dev = resolve("src/cli/dev.ts");

describe("the cfsaas-operator and cfsaas-dev binaries", () => {
  it("lists its commands, and each command's flags with their environment variables", async () => {
    const help = await runCommand(process.execPath, [main, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}run /m);
    const devHelp = await runCommand(process.execPath, [dev, "--help"]);
    expect(devHelp.code).toBe(0);
    for (const command of ["simulate", "demo"])
      expect(devHelp.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const runHelp = await runCommand(process.execPath, [main, "run", "--help"]);
    expect(runHelp.stdout).toContain("--request-budget");
    expect(runHelp.stdout).toContain("CFSAAS_REQUEST_BUDGET");
  });

  it("refuses an unknown command or flag with a message and a non-zero exit", async () => {
    const unknown = await runCommand(process.execPath, [main, "frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badFlag = await runCommand(process.execPath, [main, "run", "--workers=zero"]);
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toContain("--workers expects a positive integer");
  });

  it("runs the demo end to end: every example hostname becomes Ready and nothing is left running", async () => {
    const demo = await runCommand(process.execPath, [dev, "demo", "--time-scale", "120"]);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain("every hostname is Ready");
    // The DNS column moves with each customer's change, up to one who moves away at the end.
    expect(demo.stdout).toContain("RecordsFound");
    expect(demo.stdout).toMatch(/DNSConfigured=False, CustomerDNSMovedAway/);
    const fromRoute = ["store.bella-boutique.com", "shop.carlos-cafe.com"];
    for (const hostname of ["app.john-shop.com", "shop.acme-corp.net", "*.acme-corp.net", ...fromRoute]) {
      expect(demo.stdout).toContain(hostname);
    }
    const kubeconfig = /^export KUBECONFIG=(\S+)$/m.exec(demo.stdout)?.[1];
    expect(kubeconfig).toBeDefined();
    // Nothing the demo started is left: no process names its control plane's folder (other runs may share the machine).
    const leftovers = await runCommand("pgrep", ["-f", dirname(kubeconfig ?? "")]);
    expect(leftovers.stdout.trim()).toBe("");
  }, 300_000);
});
