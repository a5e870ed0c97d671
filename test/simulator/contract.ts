import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import {
  CONTRACT_DEVIATIONS,
  type ContractDeviation,
  type JsonPatchOperation,
} from "../../src/simulator/contract-deviations.ts";

// ajv-formats is CommonJS; under nodenext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = unknown;

/**
 * An extract of Cloudflare's official OpenAPI schema, vendored so the contract tests run from any clone; its source,
 * licence and the three edits made to it are in SOURCE.md beside it.
 */
const OPENAPI_DOCUMENT = fileURLToPath(
  new URL("../fixtures/cloudflare/custom-hostnames.openapi.json", import.meta.url),
);

function pointerTokens(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function resolveTokens(doc: Json, tokens: string[]): Json {
  let node = doc;
  for (const token of tokens) {
    if (typeof node !== "object" || node === null || !(token in node)) {
      throw new Error(`no /${tokens.join("/")} in the document`);
    }
    node = (node as Record<string, Json>)[token];
  }
  return node;
}

function resolvePointer(doc: Json, pointer: string): Json {
  return resolveTokens(doc, pointerTokens(pointer));
}

/** Applies one RFC 6902 operation; every path must exist (or its parent, for add), so stale patches fail loudly. */
export function applyPatchOperation(doc: Json, operation: JsonPatchOperation): void {
  const tokens = pointerTokens(operation.path);
  const last = tokens.pop() ?? "";
  const parent = resolveTokens(doc, tokens) as Record<string, Json>;
  switch (operation.op) {
    case "add":
      parent[last] = operation.value;
      return;
    case "replace":
    case "remove":
      if (!(last in parent)) throw new Error(`cannot ${operation.op} missing ${operation.path}`);
      if (operation.op === "replace") parent[last] = operation.value;
      else delete parent[last];
      return;
    case "copy":
      parent[last] = structuredClone(resolvePointer(doc, operation.from));
      return;
  }
}

/** OpenAPI 3.0 → JSON Schema: `nullable` becomes a null type, `example` and `x-*` annotations go. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key.startsWith("x-") || key === "nullable") continue;
    out[key] = toJsonSchema(value);
  }
  if ((node as Record<string, Json>).nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

export type ContractCheck = { method: string; path: string; status: number; body: Json };

/** The simulator's route templates are the document's paths with `:name` for `{name}`. */
function openApiPath(template: string): string {
  return template.replace(/:([a-z_]+)/g, "{$1}");
}

export class ContractValidator {
  readonly #ajv: Ajv;
  readonly #document: Record<string, Json>;
  readonly #cache = new Map<string, ValidateFunction>();

  /** The official document with `deviations` applied: all of them unless told otherwise. */
  constructor(deviations: readonly ContractDeviation[] = CONTRACT_DEVIATIONS) {
    const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT, "utf8")) as Record<string, Json>;
    for (const deviation of deviations) for (const op of deviation.patch) applyPatchOperation(document, op);
    this.#document = toJsonSchema(document) as Record<string, Json>;
    this.#ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: "openapi", ...this.#document });
  }

  /** The documented response keys of an operation (e.g. 200, 4XX). */
  responseKeys(method: string, template: string): string[] {
    const op = resolvePointer(this.#document, this.#operationPointer(method, template)) as {
      responses: object;
    };
    return Object.keys(op.responses);
  }

  #operationPointer(method: string, template: string): string {
    return `/paths/${openApiPath(template).replaceAll("/", "~1")}/${method.toLowerCase()}`;
  }

  /** Errors (empty when valid) of a response against its operation's schema for that status. */
  check({ method, path, status, body }: ContractCheck): string[] {
    const keys = this.responseKeys(method, path);
    const key = keys.includes(String(status)) ? String(status) : `${String(status)[0]}XX`;
    if (!keys.includes(key))
      return [`${method} ${path}: status ${status} is not documented (${keys.join(", ")})`];
    const pointer = `${this.#operationPointer(method, path)}/responses/${key}/content/application~1json/schema`;
    let validate = this.#cache.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile({
        $ref: `openapi#${pointer.replaceAll("{", "%7B").replaceAll("}", "%7D")}`,
      });
      this.#cache.set(pointer, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${method} ${path} ${status}: ${e.instancePath || "/"} ${e.message}`,
    );
  }
}
