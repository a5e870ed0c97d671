/**
 * `npm run bench`: the operator measured against a real API server and the Cloudflare simulator, each figure
 * printed beside its target (docs/benchmarks.md). A developer tool: not in the npm package or the image.
 */
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_USAGE, type BenchOptions, parseBenchArgs } from "./options.ts";
import { type BenchReport, formatReport } from "./report.ts";
import { type Progress, restartThenChurn, scenarioRunners } from "./scenarios.ts";

/** Runs the chosen scenarios one after another, each in a fresh world. */
export async function runBench(
  options: BenchOptions,
  progress: Progress = () => {},
  command = "npm run bench",
): Promise<BenchReport> {
  const { json: _json, ...settings } = options;
  const report: BenchReport = {
    command,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memoryBytes: totalmem(),
      node: process.version,
      platform: process.platform,
    },
    settings,
    scenarios: [],
  };
  const both = options.scenarios.includes("restart") && options.scenarios.includes("churn");
  for (const scenario of options.scenarios) {
    if (both && scenario === "churn") continue;
    const startedAt = Date.now();
    progress(`${scenario}: starting`);
    if (both && scenario === "restart") {
      report.scenarios.push(...(await restartThenChurn(options, progress, { restart: true, churn: true })));
    } else {
      report.scenarios.push(await scenarioRunners[scenario](options, progress));
    }
    progress(`${scenario}: done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  }
  return report;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const progress: Progress = (message) =>
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  const command = ["npm run bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" ");
  const report = await runBench(parsed.options, progress, command);
  console.log(parsed.options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
