import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runCommand } from "../support/control-plane.ts";
import { devTool } from "../support/dev-tools.ts";

const chartDir = "charts/cfsaas-operator";

/** helm-docs' rendering of the chart README, printed instead of written. */
async function generatedReadme(): Promise<string> {
  const result = await runCommand("bash", ["scripts/chart-readme.sh", "--dry-run", "--log-level", "error"]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

describe("the chart's README (helm show readme)", () => {
  it("is exactly what helm-docs generates from README.md.gotmpl and values.yaml: run scripts/chart-readme.sh", async () => {
    devTool("helmDocs");
    const committed = await readFile(`${chartDir}/README.md`, "utf8");
    expect(committed.trimEnd()).toBe((await generatedReadme()).trimEnd());
  });

  it("describes every value in its table", async () => {
    const rows = (await readFile(`${chartDir}/README.md`, "utf8"))
      .split("\n")
      .filter((line) => /^\| [a-zA-Z]/.test(line) && !line.startsWith("| Key "));
    expect(rows.length).toBeGreaterThan(40);
    const undocumented = rows.filter((row) => row.split("|")[4]?.trim() === "");
    expect(undocumented).toEqual([]);
  });
});
