#!/usr/bin/env node
// The `cfsaas-dev` binary: tools for developing against the operator, shipped in the npm package but never in
// the container image (docs/install.md, "What each artifact holds").
import { dispatch } from "./commands.ts";

await dispatch(
  "cfsaas-dev",
  {
    simulate: {
      summary: "serve a local Cloudflare API simulator (custom hostnames, fallback origins) on 127.0.0.1",
      run: async (argv) => (await import("./simulate.ts")).simulateCommand(argv),
    },
    demo: {
      summary:
        "run a local control plane, the simulator and the operator; watch sample hostnames turn Ready (needs a checkout after npm run setup)",
      run: async (argv) => (await import("./demo.ts")).demoCommand(argv),
    },
  },
  process.argv.slice(2),
);
