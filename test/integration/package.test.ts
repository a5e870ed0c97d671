import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../support/control-plane.ts";

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

const work = mkdtempSync(join(tmpdir(), "cfsaas-pack-"));
const consumer = join(work, "consumer");
const installedBin = join(consumer, "node_modules", ".bin", "cfsaas-operator");
const installedDevBin = join(consumer, "node_modules", ".bin", "cfsaas-dev");
let packed: PackResult;

/** Files that must never ship: tests, TypeScript sources, credentials and local configuration. */
const FORBIDDEN = [
  /\.test\.[jt]s/,
  /\.ts$/,
  /(^|\/)\.env/,
  /\.npmrc$/,
  /\.(pem|key|crt)$/,
  /kubeconfig/i,
  /\.tgz$/,
];

function listJsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".js"))
    .map((file) => join(dir, file));
}

beforeAll(async () => {
  const build = await runCommand("npm", ["run", "build"]);
  expect(build.code, build.stderr + build.stdout).toBe(0);
  const pack = await runCommand("npm", ["pack", "--json", "--pack-destination", work]);
  expect(pack.code, pack.stderr).toBe(0);
  const [result] = JSON.parse(pack.stdout) as PackResult[];
  if (!result) throw new Error(`npm pack printed no result: ${pack.stdout}`);
  packed = result;
  console.log(`packed ${packed.filename}: ${packed.size} bytes, ${packed.files.length} files`);
  mkdirSync(consumer);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  const install = await runCommand(
    "npm",
    ["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", join(work, packed.filename)],
    { cwd: consumer },
  );
  expect(install.code, install.stderr).toBe(0);
}, 170_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the built JavaScript", () => {
  it("keeps the CLIs' shebangs and imports only .js files, so it runs without TypeScript", () => {
    for (const bin of ["dist/src/cli/main.js", "dist/src/cli/dev.js"])
      expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n"), bin).toBe(true);
    const tsImports = listJsFiles("dist/src").filter((file) =>
      /from\s+["']\.{1,2}\/[^"']*\.ts["']|import\(["']\.{1,2}\/[^"']*\.ts["']\)/.test(
        readFileSync(file, "utf8"),
      ),
    );
    expect(tsImports).toEqual([]);
  });
});

describe("the npm package", () => {
  it("ships the compiled CLIs and the CRDs, and no tests, TypeScript sources or secrets", () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain("dist/src/cli/main.js");
    expect(paths).toContain("dist/src/cli/dev.js");
    expect(paths).toContain("package.json");
    expect(paths.some((path) => path.startsWith("crds/") && path.endsWith(".yaml"))).toBe(true);
    expect(paths.filter((path) => FORBIDDEN.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(
      paths.filter((path) => !/^(dist\/src\/|crds\/|package\.json$|README\.md$|LICENSE)/.test(path)),
    ).toEqual([]);
    expect(packed.size).toBeLessThan(1_000_000);
  });

  it("installs from the tarball with production dependencies only, and its binary prints help", async () => {
    const installed = readdirSync(join(consumer, "node_modules"));
    for (const devOnly of ["vitest", "typescript", "@biomejs", "cloudflare", "node"]) {
      expect(installed).not.toContain(devOnly);
    }
    const help = await runCommand(process.execPath, [installedBin, "--help"], { cwd: consumer });
    expect(help.code, help.stderr).toBe(0);
    // The operator's binary offers what the image can do, and nothing the image does not hold.
    expect(help.stdout.match(/^ {2}\S+/gm)).toEqual(["  run"]);
    const devHelp = await runCommand(process.execPath, [installedDevBin, "--help"], { cwd: consumer });
    expect(devHelp.code, devHelp.stderr).toBe(0);
    expect(devHelp.stdout.match(/^ {2}\S+/gm)).toEqual(["  simulate", "  demo"]);
    const runHelp = await runCommand(process.execPath, [installedBin, "run", "--help"], { cwd: consumer });
    expect(runHelp.code, runHelp.stderr).toBe(0);
    expect(runHelp.stdout).toContain("--request-budget");
  });

  it("starts the Cloudflare simulator from the installed package and stops it on SIGTERM", async () => {
    const child = spawn(process.execPath, [installedDevBin, "simulate", "--port", "0"], {
      cwd: consumer,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // SIGTERM in the same callback that sees the listening line, as a supervisor would send it.
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/listening on http:\/\/127\.0\.0\.1:[1-9]\d*\/client\/v4\n/.test(stdout)) child.kill("SIGTERM");
    });
    expect(await exited, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:[1-9]\d*\/client\/v4$/m);
  }, 40_000);
});
