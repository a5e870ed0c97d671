import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { releaseNotes } from "../../scripts/release-notes.ts";
import { runCommand } from "../support/control-plane.ts";
import { devTool } from "../support/dev-tools.ts";

const workflowsDir = ".github/workflows";

async function actionlint(files: string[]) {
  // shellcheck and pyflakes are left out (empty paths) so the verdict is the same on every machine, whether or not
  // those happen to be installed.
  return runCommand(devTool("actionlint"), ["-no-color", "-shellcheck=", "-pyflakes=", ...files]);
}

async function workflowFiles(): Promise<string[]> {
  return (await readdir(workflowsDir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(workflowsDir, f));
}

async function readYaml<T>(path: string): Promise<T> {
  return parse(await readFile(path, "utf8")) as T;
}

interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, { steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }> }>;
}

describe("the GitHub Actions workflows", () => {
  it("pass actionlint", async () => {
    const files = await workflowFiles();
    expect(files.map((f) => f.replace(`${workflowsDir}/`, "")).sort()).toEqual(["ci.yml", "release.yml"]);
    const result = await actionlint(files);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("would be refused by actionlint if broken (the check is live)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cfsaas-actionlint-"));
    try {
      const broken = join(dir, "broken.yml");
      const ci = await readFile(join(workflowsDir, "ci.yml"), "utf8");
      await writeFile(broken, ci.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    timeout: 90"));
      const result = await actionlint([broken]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toContain('unexpected key "timeout"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("run .ci/run on every push to main and pull request, with the history the chart upgrade test reads", async () => {
    const ci = await readYaml<Workflow>(join(workflowsDir, "ci.yml"));
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    const steps = Object.values(ci.jobs).flatMap((job) => job.steps);
    expect(steps.map((step) => step.run).filter(Boolean)).toEqual(["bash .ci/run"]);
    const checkout = steps.find((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
  });

  it("release on a version tag: a signed multi-arch image with SBOM and provenance, the chart as OCI, notes from CHANGELOG.md", async () => {
    const release = await readYaml<Workflow>(join(workflowsDir, "release.yml"));
    expect(release.on).toEqual({ push: { tags: ["v*.*.*"] } });
    const steps = Object.values(release.jobs).flatMap((job) => job.steps);
    const build = steps.find((step) => step.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({
      platforms: "linux/amd64,linux/arm64",
      push: true,
      sbom: true,
      provenance: "mode=max",
    });
    const scripts = steps.map((step) => step.run ?? "").join("\n");
    expect(scripts).toContain('cosign sign --yes "$IMAGE@$DIGEST"');
    expect(scripts).toMatch(/helm push .* "\$CHART_REGISTRY"/);
    expect(scripts).toContain("node scripts/release-notes.ts");
    expect(scripts).toContain("--notes-file notes.md");
  });
});

describe("versions and names that must move together", () => {
  it("keep package.json, Chart.yaml's version and appVersion, the image tags and the release image in step", async () => {
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    const chart = await readYaml<{
      version: string;
      appVersion: string;
      annotations: Record<string, string>;
    }>("charts/cfsaas-operator/Chart.yaml");
    const values = await readYaml<{ image: { repository: string; tag: string } }>(
      "charts/cfsaas-operator/values.yaml",
    );
    const kustomization = await readYaml<{ images: Array<{ name: string; newTag: string }> }>(
      "deploy/kustomization.yaml",
    );
    const deployment = (await readYaml<{
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    }>("deploy/deployment.yaml"))!;
    const release = await readYaml<Workflow>(join(workflowsDir, "release.yml"));
    const artifactHubImages = parse(chart.annotations["artifacthub.io/images"]!) as Array<{ image: string }>;

    expect(chart.version).toBe(version);
    expect(chart.appVersion).toBe(version);
    // An empty tag means the appVersion: the chart pulls the image of its own release.
    expect(values.image.tag).toBe("");
    const image = `${values.image.repository}:${version}`;
    expect(artifactHubImages.map((entry) => entry.image)).toEqual([image]);
    expect(kustomization.images).toEqual([{ name: values.image.repository, newTag: version }]);
    expect(deployment.spec.template.spec.containers[0]!.image).toBe(image);
    expect(release.env?.IMAGE).toBe(values.image.repository);
    expect(releaseNotes(await readFile("CHANGELOG.md", "utf8"), version)).not.toBe("");
  });

  it("validate the Artifact Hub CRD examples' kinds against the CRDs the chart ships", async () => {
    const chart = await readYaml<{ annotations: Record<string, string> }>(
      "charts/cfsaas-operator/Chart.yaml",
    );
    const declared = parse(chart.annotations["artifacthub.io/crds"]!) as Array<{
      kind: string;
      name: string;
    }>;
    const examples = parse(chart.annotations["artifacthub.io/crdsExamples"]!) as Array<{ kind: string }>;
    const crds = await Promise.all(
      (await readdir("crds")).map(async (file) =>
        parseAllDocuments(await readFile(join("crds", file), "utf8"))[0]!.toJS(),
      ),
    );
    const shipped = crds.map((crd: { metadata: { name: string }; spec: { names: { kind: string } } }) => ({
      kind: crd.spec.names.kind,
      name: crd.metadata.name,
    }));
    expect(declared.map(({ kind, name }) => ({ kind, name }))).toEqual(expect.arrayContaining(shipped));
    expect(declared).toHaveLength(shipped.length);
    expect(examples.map((example) => example.kind).sort()).toEqual(shipped.map((crd) => crd.kind).sort());
  });
});

describe("release notes from CHANGELOG.md", () => {
  const changelog = ["# Changelog", "", "## [1.1.0]", "", "- b", "", "## 1.0.0", "", "- a", ""].join("\n");

  it("are the version's section, bracketed or not, up to the next one", () => {
    expect(releaseNotes(changelog, "1.1.0")).toBe("- b");
    expect(releaseNotes(changelog, "1.0.0")).toBe("- a");
  });

  it("refuse a version without a section, so nothing is released undescribed", () => {
    expect(() => releaseNotes(changelog, "2.0.0")).toThrow('CHANGELOG.md has no "## [2.0.0]" section');
    expect(() => releaseNotes("## [3.0.0]\n\n## [2.0.0]\n- x\n", "3.0.0")).toThrow("is empty");
  });
});
