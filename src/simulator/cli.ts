import { parseSimulateArgs, SIMULATE_USAGE } from "./cli-options.ts";
import { startSimulator } from "./index.ts";

/**
 * `cfsaas-operator simulate`: runs until SIGINT/SIGTERM, then closes the server and resolves. Bad flags
 * print the reason and usage to stderr and set exit code 2.
 */
export async function simulateCommand(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseSimulateArgs>;
  try {
    parsed = parseSimulateArgs(argv);
  } catch (error) {
    process.stderr.write(
      `simulate: ${error instanceof Error ? error.message : String(error)}\n\n${SIMULATE_USAGE}\n`,
    );
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(`${SIMULATE_USAGE}\n`);
    return;
  }
  const { options } = parsed;
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  // The simulator's own generated values are printed so the user can use them; they are not real secrets.
  if (!options.zones) {
    for (const zone of simulator.zones) process.stdout.write(`zone: ${zone.id} (${zone.name})\n`);
  }
  if (!options.credentials) {
    for (const credential of simulator.credentials) {
      if ("token" in credential) process.stdout.write(`token: ${credential.token}\n`);
    }
  }
  process.stdout.write(`listening on ${simulator.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await simulator.close();
}
