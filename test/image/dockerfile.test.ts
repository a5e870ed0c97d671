import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../support/control-plane.ts";

// No Docker engine runs here, so the image's promises are checked on the Dockerfile itself.
interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "FROM") {
      const [from = "", , name = ""] = rest;
      stages.push({ from, name, instructions: [] });
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

const stages = parseDockerfile(readFileSync("Dockerfile", "utf8"));
const [build, runtime] = stages;
const args = (stage: Stage | undefined, keyword: string) =>
  (stage?.instructions ?? [])
    .filter((instruction) => instruction.keyword === keyword)
    .map(({ args }) => args);
const dockerignore = readFileSync(".dockerignore", "utf8")
  .split("\n")
  .filter((line) => line !== "" && !line.startsWith("#"));

/** Paths the build context sends, for the simple `*` then `!path` allow-list this .dockerignore uses. */
function inBuildContext(path: string): boolean {
  const allowed = dockerignore
    .filter((line) => line.startsWith("!"))
    .map((line) => line.slice(1).replace(/\/$/, ""));
  return dockerignore[0] === "*" && allowed.some((entry) => path === entry || path.startsWith(`${entry}/`));
}

describe("the Dockerfile", () => {
  it("builds in one Node 24 stage and runs in a second Node 24 stage", () => {
    expect(stages.map((stage) => stage.name)).toEqual(["build", "runtime"]);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24[.-]/);
  });

  it("builds from the lock file and keeps only production dependencies", () => {
    const runs = args(build, "RUN").join(" && ");
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build:image\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
    expect(runs.indexOf("npm run build:image")).toBeLessThan(runs.indexOf("npm prune"));
  });

  it("copies only dist, crds, production node_modules and package.json into the runtime image", () => {
    const sources = args(runtime, "COPY").map((copy) => copy.replace(/^--from=build\s+/, "").split(/\s+/)[0]);
    expect(sources.sort()).toEqual(["/app/dist/src", "/app/node_modules", "/app/package.json", "crds"]);
    expect(args(runtime, "RUN")).toEqual([]);
  });

  it("runs as a numeric non-root user with NODE_ENV=production, and has no HEALTHCHECK", () => {
    const [user] = args(runtime, "USER");
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(args(runtime, "ENV")).toContain("NODE_ENV=production");
    expect(stages.flatMap((stage) => args(stage, "HEALTHCHECK"))).toEqual([]);
  });

  it("starts the compiled CLI's run command", () => {
    expect(args(runtime, "ENTRYPOINT")).toEqual([
      '["node", "--max-old-space-size-percentage=60", "dist/src/cli/main.js"]',
    ]);
    expect(args(runtime, "CMD")).toEqual(['["run"]']);
  });

  it("copies files that exist in the build context", () => {
    const contextSources = [
      ...args(build, "COPY"),
      ...args(runtime, "COPY").filter((copy) => !copy.startsWith("--")),
    ]
      .flatMap((copy) => copy.split(/\s+/).slice(0, -1))
      .map((path) => path.replace(/^\.\//, ""));
    expect(contextSources.length).toBeGreaterThan(3);
    for (const path of contextSources) {
      expect(existsSync(path), path).toBe(true);
      expect(inBuildContext(path), `${path} is excluded by .dockerignore`).toBe(true);
    }
  });
});

describe("the image's build (npm run build:image)", () => {
  it("compiles the operator's import graph only: no simulator, control-plane launcher or developer CLI", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "cfsaas-image-build-"));
    try {
      const built = await runCommand("npm", ["run", "build:image", "--", "--outDir", outDir]);
      expect(built.code, built.stderr + built.stdout).toBe(0);
      const files = readdirSync(join(outDir, "src"), { recursive: true, encoding: "utf8" }).filter((file) =>
        file.endsWith(".js"),
      );
      for (const entry of ["cli/main.js", "cli/run.js", "operator/operator.js"])
        expect(files).toContain(entry);
      const developerOnly = files.filter((file) =>
        /^(simulator|controlplane)\/|^cli\/(dev|demo|simulate|cluster)\.js$/.test(file),
      );
      expect(developerOnly).toEqual([]);
      // Everything under src/ that is not a test is in the npm package build; the image's is a strict subset.
      const allSources = readdirSync("src", { recursive: true, encoding: "utf8" }).filter(
        (file) => file.endsWith(".ts") && !file.endsWith(".test.ts"),
      );
      expect(files.length).toBeLessThan(allSources.length);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
