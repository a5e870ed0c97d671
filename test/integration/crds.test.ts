import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import { CustomHostnameSchema } from "../../src/api/custom-hostname.ts";
import { FallbackOriginSchema } from "../../src/api/fallback-origin.ts";
import { invalidCases, validCases } from "../fixtures/crd-corpus.ts";
import { useControlPlane } from "../support/control-plane.ts";

const schemaByKind: Record<string, z.ZodType> = {
  CustomHostname: CustomHostnameSchema,
  FallbackOrigin: FallbackOriginSchema,
};

interface CorpusObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
}

function asObject(value: unknown): CorpusObject {
  return value as CorpusObject;
}

describe("the CRDs in crds/ on a real kube-apiserver", () => {
  const cluster = useControlPlane();

  beforeAll(async () => {
    const applied = await cluster.kubectl(["apply", "-f", "crds/"]);
    expect(applied.code, applied.stderr).toBe(0);
    const established = await cluster.kubectl([
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/customhostnames.cfsaas.dev",
      "crd/fallbackorigins.cfsaas.dev",
    ]);
    expect(established.code, established.stderr).toBe(0);
    expect((await cluster.kubectl(["create", "namespace", "corpus"])).code).toBe(0);
  });

  /** Creates the object through the API server and returns what it stored, or the server's refusal. */
  async function create(object: unknown) {
    return cluster.kubectl(["create", "-o", "json", "-f", "-"], { input: JSON.stringify(object) });
  }

  async function remove(object: CorpusObject) {
    const namespaceArgs = object.metadata.namespace ? ["-n", object.metadata.namespace] : [];
    await cluster.kubectl(["delete", object.kind, object.metadata.name, ...namespaceArgs, "--wait=false"]);
  }

  it.each(validCases.map((c) => [c.title, c] as const))(
    "accepts a valid object: %s",
    async (_title, valid) => {
      const object = asObject(valid.object);
      const created = await create(object);
      expect(created.code, created.stderr).toBe(0);
      // The zod schema agrees, and applies the same defaults the API server applied.
      const parsed = schemaByKind[object.kind]!.safeParse(object);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      const stored = JSON.parse(created.stdout) as CorpusObject;
      expect((parsed.data as CorpusObject).spec).toEqual(stored.spec);
      await remove(object);
    },
  );

  it.each(invalidCases.map((c) => [c.title, c] as const))(
    "rejects an invalid object, naming the field: %s",
    async (_title, invalid) => {
      const object = asObject(invalid.object);
      if (invalid.before) {
        const created = await create(invalid.before);
        expect(created.code, created.stderr).toBe(0);
        const stored = JSON.parse(created.stdout) as { metadata: { resourceVersion: string } };
        const update = {
          ...object,
          metadata: { ...object.metadata, resourceVersion: stored.metadata.resourceVersion },
        };
        const replaced = await cluster.kubectl(["replace", "-f", "-"], { input: JSON.stringify(update) });
        expect(replaced.code).not.toBe(0);
        expect(replaced.stderr).toContain(invalid.field);
        await remove(object);
        return;
      }
      const created = await create(object);
      expect(created.code, `accepted: ${created.stdout}`).not.toBe(0);
      expect(created.stderr).toContain(invalid.field);
      // The zod schema rejects it too.
      expect(schemaByKind[object.kind]!.safeParse(object).success).toBe(false);
    },
  );

  it("explains spec.ssl with the CRD's own descriptions", async () => {
    const crd = parseAllDocuments(readFileSync("crds/cfsaas.dev_customhostnames.yaml", "utf8"))[0]!.toJS();
    const sslSchema = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.ssl;
    const explained = await cluster.kubectl(["explain", "customhostname.spec.ssl"]);
    expect(explained.code, explained.stderr).toBe(0);
    const firstWords = (text: string) => text.split(/\s+/).slice(0, 6).join(" ");
    const normalized = explained.stdout.replace(/\s+/g, " ");
    expect(normalized).toContain(firstWords(sslSchema.description));
    for (const field of ["method", "certificateAuthority", "bundleMethod", "wildcard", "settings"]) {
      expect(explained.stdout).toContain(field);
      expect(normalized).toContain(firstWords(sslSchema.properties[field].description));
    }
  });

  it("shows the printer columns and answers to short names and the category", async () => {
    const valid = validCases.find((c) => asObject(c.object).kind === "CustomHostname")!;
    const object = asObject(valid.object);
    expect((await create(object)).code).toBe(0);
    const listed = await cluster.kubectl(["get", "cfh", "-n", "corpus"]);
    expect(listed.code, listed.stderr).toBe(0);
    const header = listed.stdout.split("\n")[0]!;
    expect(header.split(/\s{2,}/)).toEqual([
      "NAME",
      "HOSTNAME",
      "STATUS",
      "SSL",
      "CNAME TARGET",
      "DNS",
      "READY",
      "AGE",
    ]);
    expect(listed.stdout).toContain(object.metadata.name);
    const wide = await cluster.kubectl(["get", "cfh", "-n", "corpus", "-o", "wide"]);
    expect(wide.code, wide.stderr).toBe(0);
    expect(wide.stdout.split("\n")[0]!.split(/\s{2,}/)).toEqual([
      "NAME",
      "HOSTNAME",
      "STATUS",
      "SSL",
      "CNAME TARGET",
      "DNS",
      "READY",
      "REASON",
      "AGE",
    ]);

    const origins = await cluster.kubectl(["get", "cffo"]);
    expect(origins.code, origins.stderr).toBe(0);
    const byCategory = await cluster.kubectl(["get", "cfsaas", "-A"]);
    expect(byCategory.code, byCategory.stderr).toBe(0);
    expect(byCategory.stdout).toContain(`customhostname.cfsaas.dev/${object.metadata.name}`);
    await remove(object);
  });
});
