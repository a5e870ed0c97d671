#!/usr/bin/env node
// The `cfsaas-operator` binary, and the container image's entrypoint: the operator and nothing else. The
// image is compiled from this file's import graph only (tsconfig.image.json); developer tools live in dev.ts.
import { dispatch } from "./commands.ts";

await dispatch(
  "cfsaas-operator",
  {
    run: {
      summary: "run the operator against a cluster (kubeconfig or in-cluster) and the Cloudflare API",
      run: async (argv) => (await import("./run.ts")).runCommand(argv),
    },
  },
  process.argv.slice(2),
);
