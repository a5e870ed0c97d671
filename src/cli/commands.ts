// What both binaries share: one verb per job, each implemented by the module that owns it and loaded only
// when asked for, so `--help` stays fast and a binary's import graph is exactly its commands'.

export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

function usage(binary: string, commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Usage: ${binary} <command> [flags]\n\nCommands:\n${lines.join("\n")}\n\nRun \`${binary} <command> --help\` for a command's flags.`;
}

/** Runs the command named by the first argument; sets the exit code (1 on failure, 2 on an unknown command). */
export async function dispatch(
  binary: string,
  commands: Record<string, Command>,
  args: string[],
): Promise<void> {
  const [name, ...argv] = args;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(usage(binary, commands));
    return;
  }
  const command = commands[name];
  if (!command) {
    console.error(`${binary}: unknown command "${name}"\n\n${usage(binary, commands)}`);
    process.exitCode = 2;
    return;
  }
  try {
    await command.run(argv);
  } catch (error) {
    // Bad flags and start-up failures: one clear line, no stack trace.
    console.error(`${binary} ${name}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
