import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

// The child sends itself SIGTERM inside the very write that prints the listening line, before that write
// returns: the earliest moment anyone reading the line could signal. Without a handler in place by then,
// Node's default action kills it (exit code null, signal SIGTERM); with one, it closes and exits 0.
const SIGTERM_ON_LISTENING = `
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const written = write(chunk, ...rest);
  if (String(chunk).startsWith("listening on ")) process.kill(process.pid, "SIGTERM");
  return written;
};
const { simulateCommand } = await import("./src/cli/simulate.ts");
await simulateCommand(["--port", "0"]);
process.stdout.write("closed\\n");
`;

describe("cfsaas-dev simulate", () => {
  it("handles a SIGTERM sent the instant it prints its listening line: closes and exits 0", async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", SIGTERM_ON_LISTENING], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr])
      stream.on("data", (chunk: Buffer) => (output += chunk));
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\/client\/v4\nclosed\n$/m);
  });
});
