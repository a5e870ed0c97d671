import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import ajvFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { invalidCases, validCases } from "../../test/fixtures/crd-corpus.ts";
import {
  CIPHERS_WITH_TLS13_MESSAGE,
  CUSTOM_HOSTNAME_KIND,
  CUSTOM_HOSTNAME_PLURAL,
  CustomHostnameSchema,
  WILDCARD_FLAG_MESSAGE,
  WILDCARD_METHOD_MESSAGE,
} from "./custom-hostname.ts";
import { FALLBACK_ORIGIN_KIND, FALLBACK_ORIGIN_PLURAL, FallbackOriginSchema } from "./fallback-origin.ts";
import { API_GROUP, API_VERSION } from "./group.ts";

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  default?: unknown;
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  "x-kubernetes-validations"?: Array<{ rule: string; message?: string; fieldPath?: string }>;
}

function loadCrd(file: string) {
  const crd = parse(readFileSync(new URL(`../../crds/${file}`, import.meta.url), "utf8"));
  const version = crd.spec.versions[0];
  return { crd, version, schema: version.schema.openAPIV3Schema as Schema };
}

const crds = {
  [CUSTOM_HOSTNAME_KIND]: { ...loadCrd("cfsaas.dev_customhostnames.yaml"), zod: CustomHostnameSchema },
  [FALLBACK_ORIGIN_KIND]: { ...loadCrd("cfsaas.dev_fallbackorigins.yaml"), zod: FallbackOriginSchema },
};
const customHostname = crds[CUSTOM_HOSTNAME_KIND].schema;
const fallbackOrigin = crds[FALLBACK_ORIGIN_KIND].schema;

function at(schema: Schema, path: string): Schema {
  return path.split(".").reduce<Schema>((node, key) => {
    const child = key === "[]" ? node.items : node.properties?.[key];
    if (!child) throw new Error(`no schema at ${path} (missing ${key})`);
    return child;
  }, schema);
}

/** Every schema node below `schema`, with its dotted path. */
function* nodes(schema: Schema, path = ""): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [key, child] of Object.entries(schema.properties ?? {}))
    yield* nodes(child, path ? `${path}.${key}` : key);
  if (schema.items) yield* nodes(schema.items, `${path}.[]`);
  if (schema.additionalProperties) yield* nodes(schema.additionalProperties, `${path}.*`);
}

interface CelRule {
  kind: string;
  path: string;
  node: Schema;
  rule: string;
  message?: string;
  fieldPath?: string;
}

const celRules: CelRule[] = Object.entries(crds).flatMap(([kind, { schema }]) =>
  [...nodes(schema)].flatMap(([path, node]) =>
    (node["x-kubernetes-validations"] ?? []).map((rule) => ({ kind, path, node, ...rule })),
  ),
);

/** The field a CEL rule's error names, as the API server prints it (`spec.ssl.method`). */
function celTarget(rule: CelRule): string {
  return `${rule.path}${rule.fieldPath ?? ""}`;
}

describe("CRD manifests", () => {
  it.each([
    [CUSTOM_HOSTNAME_KIND, CUSTOM_HOSTNAME_PLURAL, "Namespaced", "cfh"],
    [FALLBACK_ORIGIN_KIND, FALLBACK_ORIGIN_PLURAL, "Cluster", "cffo"],
  ] as const)(
    "serve %s as %s, %s, short name %s, in the cfsaas category",
    (kind, plural, scope, shortName) => {
      const { crd, version } = crds[kind];
      expect(crd.metadata.name).toBe(`${plural}.${API_GROUP}`);
      expect(crd.spec.group).toBe(API_GROUP);
      expect(crd.spec.scope).toBe(scope);
      expect(crd.spec.names).toMatchObject({ kind, plural, shortNames: [shortName], categories: ["cfsaas"] });
      expect(crd.spec.versions).toHaveLength(1);
      expect(version).toMatchObject({
        name: API_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
      });
    },
  );

  it.each([CUSTOM_HOSTNAME_KIND, FALLBACK_ORIGIN_KIND] as const)(
    "print %s's Ready reason only with -o wide (priority 1)",
    (kind) => {
      const columns: Array<{ name: string; priority?: number }> = crds[kind].version.additionalPrinterColumns;
      expect(columns.filter((c) => (c.priority ?? 0) > 0).map((c) => [c.name, c.priority])).toEqual([
        ["Reason", 1],
      ]);
    },
  );

  it("print a CustomHostname's hostname, Cloudflare statuses, CNAME target, DNS and readiness", () => {
    const columns = crds[CUSTOM_HOSTNAME_KIND].version.additionalPrinterColumns;
    expect(columns.map((c: { name: string; jsonPath: string }) => [c.name, c.jsonPath])).toEqual([
      ["Hostname", ".spec.hostname"],
      ["Status", ".status.hostnameStatus"],
      ["SSL", ".status.sslStatus"],
      ["CNAME Target", ".status.requiredCNAME.target"],
      ["DNS", '.status.conditions[?(@.type=="DNSConfigured")].reason'],
      ["Ready", '.status.conditions[?(@.type=="Ready")].status'],
      ["Reason", '.status.conditions[?(@.type=="Ready")].reason'],
      ["Age", ".metadata.creationTimestamp"],
    ]);
  });

  it("print a FallbackOrigin's zone, origin, Cloudflare status and readiness", () => {
    const columns = crds[FALLBACK_ORIGIN_KIND].version.additionalPrinterColumns;
    expect(columns.map((c: { name: string; jsonPath: string }) => [c.name, c.jsonPath])).toEqual([
      ["Zone", ".spec.zoneId"],
      ["Origin", ".spec.origin"],
      ["Status", ".status.originStatus"],
      ["Ready", '.status.conditions[?(@.type=="Ready")].status'],
      ["Reason", '.status.conditions[?(@.type=="Ready")].reason'],
      ["Age", ".metadata.creationTimestamp"],
    ]);
  });

  it.each(Object.keys(crds))(
    "bound every string, list and map of %s, as CEL cost estimation needs",
    (kind) => {
      const unbounded = [...nodes(crds[kind as keyof typeof crds].schema)]
        .filter(([path]) => path !== "apiVersion" && path !== "kind")
        .filter(
          ([, node]) =>
            (node.type === "string" && node.maxLength === undefined && node.enum === undefined) ||
            (node.type === "array" && node.maxItems === undefined) ||
            (node.additionalProperties !== undefined && node.maxProperties === undefined),
        )
        .filter(([, node]) => !("format" in node))
        .map(([path]) => path);
      expect(unbounded).toEqual([]);
    },
  );

  it.each(Object.keys(crds))("describe every spec and status field of %s for kubectl explain", (kind) => {
    const schema = crds[kind as keyof typeof crds].schema;
    const undocumented = [...nodes(schema)]
      .filter(([path]) => /^(spec|status)(\.|$)/.test(path) && !path.endsWith(".[]") && !path.endsWith(".*"))
      .filter(([, node]) => !node.description || node.description.length < 10)
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it("keep conditions a list keyed by type, as server-side apply of status needs", () => {
    for (const schema of [customHostname, fallbackOrigin]) {
      const conditions = at(schema, "status.conditions") as Record<string, unknown>;
      expect(conditions["x-kubernetes-list-type"]).toBe("map");
      expect(conditions["x-kubernetes-list-map-keys"]).toEqual(["type"]);
      expect(at(schema, "status.conditions.[]").required).toEqual(
        expect.arrayContaining(["type", "status", "reason", "message", "lastTransitionTime"]),
      );
    }
  });
});

// The constraints a structural schema can carry; descriptions and x-kubernetes-* extensions are the CRD's own.
const CONSTRAINTS = [
  "type",
  "enum",
  "pattern",
  "format",
  "minLength",
  "maxLength",
  "maxItems",
  "maxProperties",
  "minimum",
  "default",
  "required",
] as const;

function constraintsByPath(schema: Schema): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    [...nodes(schema)].map(([path, node]) => {
      const picked: Record<string, unknown> = {};
      for (const key of CONSTRAINTS)
        if (node[key as keyof Schema] !== undefined) picked[key] = node[key as keyof Schema];
      // int64 is the API server's name for a Go int64; zod has no format for integers.
      if (picked.format === "int64") delete picked.format;
      // zod spells RFC 3339 out as a pattern as well as the format.
      if (picked.format === "date-time") delete picked.pattern;
      // RegExp#source escapes "/", which a CRD pattern does not need.
      if (typeof picked.pattern === "string") picked.pattern = picked.pattern.replaceAll("\\/", "/");
      if (Array.isArray(picked.required)) picked.required = [...picked.required].sort();
      return [path, picked];
    }),
  );
}

describe("CRD schemas say what the zod schemas say", () => {
  it.each(Object.keys(crds))(
    "%s: same fields with the same types, enums, patterns, bounds and defaults",
    (kind) => {
      const { schema, zod } = crds[kind as keyof typeof crds];
      const fromZod = z.toJSONSchema(zod, { io: "input", unrepresentable: "any" }) as Schema;
      for (const part of ["spec", "status"]) {
        expect(constraintsByPath(at(schema, part))).toEqual(constraintsByPath(at(fromZod, part)));
      }
    },
  );

  it("have the cross-field messages zod gives, word for word", () => {
    const messages = Object.fromEntries(
      celRules.map((rule) => [`${rule.kind} ${celTarget(rule)}`, rule.message]),
    );
    expect(messages).toMatchObject({
      "CustomHostname spec.ssl.wildcard": WILDCARD_FLAG_MESSAGE,
      "CustomHostname spec.ssl.method": WILDCARD_METHOD_MESSAGE,
      "CustomHostname spec.ssl.settings.ciphers": CIPHERS_WITH_TLS13_MESSAGE,
    });
  });
});

describe("CEL rules", () => {
  it("make hostname and zoneId immutable", () => {
    const transitions = celRules
      .filter((rule) => rule.rule.includes("oldSelf"))
      .map((r) => `${r.kind} ${celTarget(r)}`);
    expect(transitions.sort()).toEqual(["CustomHostname spec.hostname", "FallbackOrigin spec.zoneId"]);
  });

  it.each(celRules.map((rule) => [celTarget(rule), rule] as const))(
    "%s: has a message and names its field",
    (_, rule) => {
      expect(rule.message?.length).toBeGreaterThan(10);
      expect(rule.fieldPath).toMatch(/^(\.[A-Za-z]\w*)+$/);
      expect(() => at(rule.node, rule.fieldPath?.slice(1) ?? "")).not.toThrow();
    },
  );

  it.each(celRules.map((rule) => [rule.rule, rule] as const))(
    "%s: refers only to fields of its schema",
    (_, rule) => {
      // In `self.hostname.startsWith(`, the segment before "(" is a method, not a field.
      const references = [...rule.rule.matchAll(/\b(?:self|oldSelf)((?:\.\w+)+)(\()?/g)].map(
        ([, path = "", call]) => (call ? path.slice(0, path.lastIndexOf(".")) : path),
      );
      expect(references.length).toBeGreaterThan(0);
      for (const reference of references) expect(() => at(rule.node, reference.slice(1))).not.toThrow();
    },
  );

  it.each(celRules.map((rule) => [rule.rule] as const))("%s: is balanced", (rule) => {
    let depth = 0;
    for (const char of rule.replace(/'[^']*'/g, "''")) {
      depth += char === "(" ? 1 : char === ")" ? -1 : 0;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
    expect(rule.split("'").length % 2).toBe(1);
  });
});

// ajv runs the OpenAPI part of each CRD (not CEL) so the YAML and the zod schemas are held to one corpus.
const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
// ajv-formats is CommonJS: under nodenext its default import is module.exports, the plugin sits on .default.
ajvFormats.default(ajv);
const validators = Object.fromEntries(
  Object.entries(crds).map(([kind, { schema }]) => [kind, ajv.compile(schema)]),
);

function ajvFields(errors: ErrorObject[]): string[] {
  return errors.map((error) => {
    const path = error.instancePath
      .split("/")
      .slice(1)
      .map((key) => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`))
      .join("")
      .replace(/^\./, "");
    const missing =
      error.keyword === "required" ? (error.params as { missingProperty: string }).missingProperty : "";
    return missing ? `${path}.${missing}` : path;
  });
}

function crdOf(object: Record<string, unknown>) {
  return crds[object.kind as keyof typeof crds];
}

describe("the CRD schemas and zod agree on the corpus", () => {
  it.each(validCases)("$title: accepted, with the same defaults", ({ object }) => {
    const defaulted = structuredClone(object);
    const validate = validators[object.kind as string];
    expect(validate?.(defaulted), JSON.stringify(validate?.errors)).toBe(true);
    expect(crdOf(object).zod.parse(object)).toEqual(defaulted);
  });

  it.each(invalidCases.filter((c) => !c.before))("$title: the schema or a CEL rule rejects $field", (c) => {
    const validate = validators[c.object.kind as string];
    if (validate?.(structuredClone(c.object)) === false) {
      expect(ajvFields(validate.errors ?? [])).toContain(c.field);
      return;
    }
    const rule = celRules.find(
      (r) => r.kind === c.object.kind && celTarget(r) === c.field && !r.rule.includes("oldSelf"),
    );
    expect(rule, "the schema accepts it and no CEL rule names the field").toBeDefined();
    const issues = crdOf(c.object).zod.safeParse(c.object).error?.issues ?? [];
    expect(issues.map((issue) => issue.message)).toContain(rule?.message);
  });
});
