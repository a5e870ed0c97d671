import { defineConfig } from "vitest/config";

// Unit tests sit beside the code they test and need no servers; everything under test/ talks to real
// servers (kube-apiserver + etcd started by the harness, the Cloudflare simulator over HTTP).
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One control plane per file is plenty for a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
