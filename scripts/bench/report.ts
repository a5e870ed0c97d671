import type { BenchOptions } from "./options.ts";

/** One of the targets, the figure measured for it, and whether it was met (undefined: not applicable). */
export interface TargetVerdict {
  target: string;
  figure: string;
  met: boolean | undefined;
  /** Why the target does not apply to this run, or what to read the figure with. */
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  hostnames: number;
  /** Everything measured, for --json. */
  figures: Record<string, unknown>;
  /** The same figures as label → text, in the order printed. */
  lines: Array<[string, string]>;
  targets: TargetVerdict[];
  notes: string[];
}

export interface BenchReport {
  command: string;
  startedAt: string;
  machine: { cpus: number; memoryBytes: number; node: string; platform: string };
  settings: Omit<BenchOptions, "json">;
  scenarios: ScenarioResult[];
}

export function verdict(
  target: string,
  figure: string,
  met: boolean | undefined,
  note?: string,
): TargetVerdict {
  return note === undefined ? { target, figure, met } : { target, figure, met, note };
}

export const mib = (bytes: number | undefined) =>
  bytes === undefined ? "n/a" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export const seconds = (value: number | undefined) => (value === undefined ? "n/a" : `${value.toFixed(1)} s`);

function marker(met: boolean | undefined): string {
  if (met === undefined) return "n/a    ";
  return met ? "met    " : "NOT MET";
}

/** The report as text: per scenario its figures, then each target with its figure and verdict. */
export function formatReport(report: BenchReport): string {
  const { settings } = report;
  const out: string[] = [
    `cfsaas-operator bench — ${report.startedAt}`,
    `command: ${report.command}`,
    `machine: ${report.machine.cpus} CPUs, ${(report.machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, node ${report.machine.node}, ${report.machine.platform}`,
    `settings: simulator rate limit ${settings.rateLimit.requests}/${settings.rateLimit.windowSeconds}s, operator budget ${settings.requestBudget.requests}/${settings.requestBudget.windowSeconds}s, page size ${settings.pageSize}, zone poll ${settings.zonePollIntervalSeconds}s, time scale ${settings.timeScale}`,
  ];
  for (const result of report.scenarios) {
    out.push("", `== ${result.scenario}: ${result.hostnames} hostnames ==`);
    const width = Math.max(...result.lines.map(([label]) => label.length));
    for (const [label, value] of result.lines) out.push(`  ${label.padEnd(width)}  ${value}`);
    if (result.targets.length > 0) out.push("  targets:");
    for (const target of result.targets) {
      const note = target.note ? `  (${target.note})` : "";
      out.push(`    [${marker(target.met)}] ${target.target}: ${target.figure}${note}`);
    }
    for (const note of result.notes) out.push(`  note: ${note}`);
  }
  return out.join("\n");
}
