#!/usr/bin/env node
// The `cfsaas-operator` binary: one verb per job, each implemented by the module that owns it.

interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

const commands: Record<string, Command> = {
  run: {
    summary: "run the operator against a cluster (kubeconfig or in-cluster) and the Cloudflare API",
    run: async (argv) => (await import("./run.ts")).runCommand(argv),
  },
  demo: {
    summary:
      "run a local control plane, the simulator and the operator, and watch sample hostnames turn Ready",
    run: async (argv) => (await import("./demo.ts")).demoCommand(argv),
  },
  simulate: {
    summary: "serve a local Cloudflare API simulator (custom hostnames, fallback origins) on 127.0.0.1",
    run: async (argv) => (await import("./simulate.ts")).simulateCommand(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Usage: cfsaas-operator <command> [flags]\n\nCommands:\n${lines.join("\n")}\n\nRun \`cfsaas-operator <command> --help\` for a command's flags.`;
}

const [name, ...argv] = process.argv.slice(2);
if (name === undefined || name === "help" || name === "--help" || name === "-h") {
  console.log(usage());
} else {
  const command = commands[name];
  if (command) {
    try {
      await command.run(argv);
    } catch (error) {
      // Bad flags and start-up failures: one clear line, no stack trace.
      console.error(`cfsaas-operator ${name}: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  } else {
    console.error(`cfsaas-operator: unknown command "${name}"\n\n${usage()}`);
    process.exitCode = 2;
  }
}
