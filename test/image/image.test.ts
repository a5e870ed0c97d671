import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { IMAGE_ENVIRONMENT } from "../../scripts/bench/operator-process.ts";
import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import type { FallbackOrigin } from "../../src/api/fallback-origin.ts";
import { freePort } from "../../src/controlplane/processes.ts";
import { toolsDir } from "../../src/controlplane/tools.ts";
import { type CommandResult, runCommand, useControlPlane } from "../support/control-plane.ts";
import {
  applyManifest,
  fallbackOriginManifest,
  getObject,
  installOperatorPrerequisites,
  type SaasWorld,
  startSaasWorld,
} from "../support/operator.ts";

// The repository's Dockerfile, built and run the way a cluster runs it: read-only root filesystem, the
// numeric non-root user, SIGTERM to stop. podman and runc from Debian, and the node base image made by
// `npm run setup` (scripts/setup-tools.sh), in a private image store that is deleted afterwards.

const IMAGE = "localhost/cfsaas-operator:image-test";
const NODE_BASE_IMAGE = "docker.io/library/node:24-bookworm-slim";
const UID = 65532;
const waitLong = { timeout: 90_000, interval: 500 };

const store = mkdtempSync(join(tmpdir(), "cfsaas-image-"));
/** podman with its own storage, run state and temporary files, all under `store`. */
function podman(args: string[]): Promise<CommandResult> {
  return runCommand("podman", [
    "--root",
    join(store, "root"),
    "--runroot",
    join(store, "run"),
    "--tmpdir",
    join(store, "tmp"),
    // crun refuses cgroup v1 hybrid mode; runc runs everywhere.
    "--runtime",
    "runc",
    "--cgroup-manager",
    "cgroupfs",
    "--events-backend",
    "file",
    ...args,
  ]);
}

async function podmanOk(args: string[]): Promise<string> {
  const result = await podman(args);
  if (result.code !== 0)
    throw new Error(`podman ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The flags every container here gets: Kubernetes' securityContext, and limits this sandbox allows. */
async function runFlags(): Promise<string[]> {
  const hardNofile = (await runCommand("bash", ["-c", "ulimit -Hn"])).stdout.trim();
  return [
    "--read-only",
    "--read-only-tmpfs=false",
    "--user",
    `${UID}:${UID}`,
    "--network",
    "host",
    "--ulimit",
    `nofile=${hardNofile}:${hardNofile}`,
    "--ulimit",
    "nproc=32768:32768",
  ];
}

function baseImageArchive(): string {
  const manifest = join(toolsDir(), "versions.json");
  const path = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, "utf8")) as { nodeBaseImage?: string }).nodeBaseImage
    : undefined;
  if (!path || !existsSync(path)) {
    throw new Error(`the node base image archive is missing (${manifest}): run \`npm run setup\``);
  }
  return path;
}

/** The build's npm must trust the CA the host's npm trusts (a TLS-inspecting proxy); none of it is kept. */
async function buildVolumes(): Promise<string[]> {
  const cafile = (await runCommand("npm", ["config", "get", "cafile"])).stdout.trim();
  if (!cafile || cafile === "null" || cafile === "undefined" || !existsSync(cafile)) return [];
  const npmrc = join(store, "npmrc");
  writeFileSync(npmrc, "cafile=/etc/ssl/certs/ca-certificates.crt\n");
  return ["-v", `${cafile}:/etc/ssl/certs/ca-certificates.crt:ro`, "-v", `${npmrc}:/usr/local/etc/npmrc:ro`];
}

const imageSize = async (image: string) =>
  Number((await podmanOk(["image", "inspect", "--format", "{{.Size}}", image])).trim());

describe("the container image", () => {
  const cluster = useControlPlane();
  let world: SaasWorld;
  let flags: string[];
  /** What the kubelet mounts in a pod: the service account's token and the cluster's CA. */
  let serviceAccount: string;

  beforeAll(async () => {
    await podmanOk(["load", "--quiet", "--input", baseImageArchive()]);
    const build = await podman([
      "build",
      "--quiet",
      "--isolation",
      "chroot",
      "--pull=never",
      "--layers=false",
      ...(await buildVolumes()),
      "--tag",
      IMAGE,
      ".",
    ]);
    expect(build.code, build.stderr).toBe(0);
    const [base, built] = [await imageSize(NODE_BASE_IMAGE), await imageSize(IMAGE)];
    console.log(
      `image ${(built / 1e6).toFixed(0)} MB: base ${(base / 1e6).toFixed(0)} MB + app ${((built - base) / 1e6).toFixed(1)} MB`,
    );
    // What the image adds to its base: the operator's code and production dependencies, and no more
    // (development dependencies, type declarations or source maps would each take it well past this).
    expect(built - base).toBeLessThan(70e6);
    flags = await runFlags();
    world = await startSaasWorld();
    await installOperatorPrerequisites(cluster, world.token);
    // It runs as in a pod: a service account (here bound to cluster-admin: the chart's least-privilege roles
    // are tested by packaging-chart.test.ts), its token and the CA where the kubelet mounts them.
    for (const args of [
      ["create", "serviceaccount", "cfsaas-operator", "-n", "cfsaas-system"],
      [
        "create",
        "clusterrolebinding",
        "cfsaas-operator-image-test",
        "--clusterrole=cluster-admin",
        "--serviceaccount=cfsaas-system:cfsaas-operator",
      ],
    ]) {
      const result = await cluster.kubectl(args);
      expect(result.code, result.stderr).toBe(0);
    }
    const token = await cluster.kubectl(["create", "token", "cfsaas-operator", "-n", "cfsaas-system"]);
    expect(token.code, token.stderr).toBe(0);
    serviceAccount = join(store, "serviceaccount");
    mkdirSync(serviceAccount);
    writeFileSync(join(serviceAccount, "token"), token.stdout.trim());
    copyFileSync(cluster.plane.caCert, join(serviceAccount, "ca.crt"));
    for (const file of ["token", "ca.crt"]) {
      chownSync(join(serviceAccount, file), UID, UID);
      chmodSync(join(serviceAccount, file), 0o400);
    }
  }, 400_000);

  afterAll(async () => {
    await world?.close();
    await podman(["rm", "--all", "--force", "--time", "0"]);
    // Unmounts and deletes every image and layer of the private store before the folder goes.
    await podman(["system", "reset", "--force"]);
    rmSync(store, { recursive: true, force: true });
  }, 120_000);

  it("holds the operator only: its help lists run, and no simulator, control-plane or developer module", async () => {
    const help = await podman(["run", "--rm", ...flags, IMAGE, "--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout.match(/^ {2}\S+/gm)).toEqual(["  run"]);
    const runHelp = await podman(["run", "--rm", ...flags, IMAGE, "run", "--help"]);
    expect(runHelp.code, runHelp.stderr).toBe(0);
    expect(runHelp.stdout).toContain("--kubeconfig");
    const files = (
      await podmanOk(["run", "--rm", ...flags, "--entrypoint", "find", IMAGE, "/app/dist", "-name", "*.js"])
    )
      .trim()
      .split("\n");
    expect(files).toContain("/app/dist/src/cli/main.js");
    expect(files).toContain("/app/dist/src/operator/operator.js");
    expect(
      files.filter((file) =>
        /\/(simulator|controlplane)\/|\/cli\/(dev|demo|simulate|cluster)\.js$/.test(file),
      ),
    ).toEqual([]);
  });

  it("exits 1 at once, saying what to pass, when it has no kubeconfig and is not in a pod", async () => {
    const run = await podman(["run", "--rm", ...flags, IMAGE, "run"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no cluster to connect to: pass --kubeconfig=PATH");
  });

  it("runs read-only as its non-root user, as in a pod: brings objects to Ready, serves health and metrics, stops on SIGTERM with 0, writes nothing", async () => {
    const metricsPort = await freePort();
    const { hostname: apiHost, port: apiPort } = new URL(cluster.plane.server);
    const mounts = [
      "-v",
      `${serviceAccount}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
      "--env",
      `KUBERNETES_SERVICE_HOST=${apiHost}`,
      "--env",
      `KUBERNETES_SERVICE_PORT=${apiPort}`,
    ];
    // What podman itself adds to a container's filesystem (mount points), with a process that writes nothing.
    await podmanOk(["run", "--name", "baseline", ...flags, ...mounts, "--entrypoint", "true", IMAGE]);
    const podmansOwnChanges = await podmanOk(["diff", "baseline"]);

    await podmanOk([
      "run",
      "--detach",
      "--name",
      "operator",
      ...flags,
      ...mounts,
      IMAGE,
      "run",
      `--cloudflare-api-url=${world.simulator.url}`,
      `--metrics-address=127.0.0.1:${metricsPort}`,
      "--credentials-namespace=cfsaas-system",
      "--zone-poll-interval=2s",
      "--validation-schedule-scale=0.01",
      // The customers' DNS is the simulator's, never the machine's resolver.
      `--dns-servers=${world.simulator.dnsServer}`,
    ]);
    const logs = async () => (await podman(["logs", "operator"])).stdout;
    /** vi.waitFor, with the operator's logs when it gives up. */
    const eventually = async (check: () => Promise<void>) => {
      try {
        await vi.waitFor(check, waitLong);
      } catch (error) {
        throw new Error(`${(error as Error).message}\noperator logs:\n${await logs()}`, { cause: error });
      }
    };
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    await eventually(async () => {
      expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    });
    // PID 1 is Node itself, as the numeric non-root user.
    const processes = (await podmanOk(["top", "operator", "pid", "user", "args"]))
      .trim()
      .split("\n")
      .slice(1);
    expect(processes).toEqual([
      expect.stringMatching(
        /^1\s+65532\s+node --max-old-space-size-percentage=60 dist\/src\/cli\/main\.js run /,
      ),
    ]);
    // The environment the bench measures the operator in (scripts/bench/operator-process.ts) is the image's.
    const environment = JSON.parse(
      await podmanOk(["inspect", "--format", "{{json .Config.Env}}", "operator"]),
    );
    for (const [name, value] of Object.entries(IMAGE_ENVIRONMENT)) {
      expect(environment).toContain(`${name}=${value}`);
    }

    await applyManifest(cluster, fallbackOriginManifest(world));
    const namespace = await cluster.namespace("image");
    const hostname = "app.image-customer.com";
    await applyManifest(cluster, {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: { name: "app", namespace },
      spec: { hostname, fallbackOriginRef: { name: "saas-zone" } },
    });
    await eventually(async () => {
      const origin = await getObject<FallbackOrigin>(cluster, ["fallbackorigin", "saas-zone"]);
      expect(origin?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    });
    await world.setDns([{ type: "CNAME", name: hostname, value: "customers.saasprovider.com" }]);
    await eventually(async () => {
      const ready = await getObject<CustomHostname>(cluster, ["customhostname", "app", "-n", namespace]);
      expect(ready?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    });

    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      expect((await fetch(`${metricsUrl}${path}`)).status, path).toBe(200);
    }
    expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toMatch(/^cfsaas_/m);

    // SIGTERM, then SIGKILL (exit code 137) if it is still running 10 s later.
    await podmanOk(["stop", "--time", "10", "operator"]);
    expect((await podmanOk(["inspect", "--format", "{{.State.ExitCode}}", "operator"])).trim()).toBe("0");
    expect(await logs()).toContain('"msg":"stopped"');
    expect(await logs()).not.toMatch(/EROFS|read-only file system/i);
    expect(await podmanOk(["diff", "operator"])).toBe(podmansOwnChanges);
  });
});
