import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonBody } from "./harness.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const RUN_SIMULATE =
  "const { simulateCommand } = await import('./src/cli/simulate.ts'); await simulateCommand(process.argv.slice(1));";

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function simulate(args: string[]): ChildProcessWithoutNullStreams {
  // process.execPath is the Node 24 running vitest, which strips the TypeScript types.
  const child = spawn(process.execPath, ["--input-type=module", "-e", RUN_SIMULATE, "--", ...args], {
    cwd: REPO_ROOT,
  });
  children.push(child);
  return child;
}

/** Collects stdout until the `listening on` line, within 10 s. */
async function untilListening(
  child: ChildProcessWithoutNullStreams,
): Promise<{ lines: string[]; url: string }> {
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stdout so far: ${out}`)), 10_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/client\/v4)\n/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ lines: out.trim().split("\n"), url: match[1] });
      }
    });
  });
}

async function exitOf(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code] = await once(child, "exit");
  return { code, stdout, stderr };
}

describe("cfsaas-operator simulate", () => {
  it("makes and prints a zone and a token, serves them, and exits cleanly on SIGTERM", async () => {
    const child = simulate(["--port", "0"]);
    const { lines, url } = await untilListening(child);
    const zone = /^zone: ([0-9a-f]{32}) \(saasprovider\.com\)$/.exec(lines[0] ?? "")?.[1];
    const token = /^token: (\S+)$/.exec(lines[1] ?? "")?.[1];
    expect(lines).toHaveLength(3);
    const response = await fetch(`${url}/zones/${zone}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as JsonBody).result.name).toBe("saasprovider.com");
    const exit = exitOf(child);
    child.kill("SIGTERM");
    expect((await exit).code).toBe(0);
  });

  it("serves the zones and credentials given as flags, printing only the listening line", async () => {
    const zone = "0123456789abcdef0123456789abcdef";
    const child = simulate([
      "--port",
      "0",
      "--zone",
      `${zone}=tenant-saas.net`,
      "--token",
      "flag-token",
      "--api-key",
      "flag-key",
      "--email",
      "ops@tenant-saas.net",
      "--rate-limit",
      "3/60",
    ]);
    const { lines, url } = await untilListening(child);
    expect(lines).toEqual([`listening on ${url}`]);
    const byToken = await fetch(`${url}/zones/${zone}`, { headers: { authorization: "Bearer flag-token" } });
    expect(((await byToken.json()) as JsonBody).result.name).toBe("tenant-saas.net");
    const byKey = await fetch(`${url}/zones/${zone}`, {
      headers: { "x-auth-email": "ops@tenant-saas.net", "x-auth-key": "flag-key" },
    });
    expect(byKey.status).toBe(200);
    for (let i = 0; i < 2; i++)
      await fetch(`${url}/user/tokens/verify`, { headers: { authorization: "Bearer flag-token" } });
    const limited = await fetch(`${url}/user/tokens/verify`, {
      headers: { authorization: "Bearer flag-token" },
    });
    expect(limited.status).toBe(429);
    child.kill("SIGINT");
    expect((await exitOf(child)).code).toBe(0);
  });

  it("prints its flags with --help", async () => {
    const result = await exitOf(simulate(["--help"]));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--time-scale X");
  });

  it("refuses an unknown flag with exit code 2 and says why", async () => {
    const result = await exitOf(simulate(["--zones", "x"]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--zones");
  });
});
