import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { invalidCases, validCases } from "../../test/fixtures/crd-corpus.ts";
import { CUSTOM_HOSTNAME_KIND, CustomHostnameSchema } from "./custom-hostname.ts";
import { FALLBACK_ORIGIN_KIND, FallbackOriginSchema } from "./fallback-origin.ts";

function schemaFor(object: Record<string, unknown>) {
  if (object.kind === CUSTOM_HOSTNAME_KIND) return CustomHostnameSchema;
  if (object.kind === FALLBACK_ORIGIN_KIND) return FallbackOriginSchema;
  throw new Error(`corpus object of unknown kind ${String(object.kind)}`);
}

/** The path as the API server prints it: `spec.ssl.settings.ciphers[0]`. */
function fieldPath(issue: z.core.$ZodIssue): string {
  return issue.path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? key : `.${String(key)}`))
    .join("");
}

describe("corpus", () => {
  it("has enough cases, each with a unique title and object name", () => {
    expect(validCases.length).toBeGreaterThanOrEqual(8);
    expect(invalidCases.length).toBeGreaterThanOrEqual(35);
    const all = [...validCases, ...invalidCases];
    expect(new Set(all.map((c) => c.title)).size).toBe(all.length);
    const names = all.map((c) => `${c.object.kind}/${(c.object.metadata as { name: string }).name}`);
    expect(new Set(names).size).toBe(all.length);
  });
});

describe("zod accepts every valid corpus object", () => {
  it.each(validCases)("$title", ({ object }) => {
    const result = schemaFor(object).safeParse(object);
    expect(result.error?.issues ?? []).toEqual([]);
  });
});

describe("zod rejects every invalid corpus object at the field the API server names", () => {
  it.each(invalidCases.filter((c) => c.before === undefined))("$title ($field)", ({ object, field }) => {
    const result = schemaFor(object).safeParse(object);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map(fieldPath)).toContain(field);
  });
});

describe("zod accepts both sides of an update-only violation on their own", () => {
  it.each(invalidCases.filter((c) => c.before !== undefined))("$title", ({ object, before }) => {
    expect(schemaFor(object).safeParse(object).success).toBe(true);
    expect(schemaFor(object).safeParse(before).success).toBe(true);
  });
});
