import { parseSimulateArgs, SIMULATE_USAGE } from "../simulator/cli-options.ts";
import { startSimulator } from "../simulator/index.ts";
import { listenForStopSignals } from "./stop-signals.ts";

/**
 * `cfsaas-dev simulate`: runs until SIGINT/SIGTERM, then closes the server and resolves. Bad flags
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
  // Before anything is printed: a signal sent on reading the listening line must find its handler.
  const stopSignals = listenForStopSignals();
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    stopSignals.dispose();
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
  if (simulator.dnsServer) process.stdout.write(`dns on ${simulator.dnsServer} (udp, tcp)\n`);
  process.stdout.write(`listening on ${simulator.url}\n`);
  await stopSignals.received;
  await simulator.close();
}
