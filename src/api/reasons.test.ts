import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONDITION_REASON_PATTERN } from "./conditions.ts";
import { Reason } from "./reasons.ts";

/** Every backticked CamelCase word in the first column of docs/reference.md's tables. */
function documentedReasons(): Set<string> {
  const page = readFileSync(new URL("../../docs/reference.md", import.meta.url), "utf8");
  const reasons = new Set<string>();
  for (const line of page.split("\n")) {
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? "";
    for (const [, word] of firstCell.matchAll(/`([A-Z][A-Za-z]+)`/g)) if (word) reasons.add(word);
  }
  return reasons;
}

/** Condition types are documented in the same tables; they are not reasons. */
const conditionTypes = new Set([
  "Ready",
  "Synced",
  "OwnershipVerified",
  "CertificateIssued",
  "DNSConfigured",
]);

describe("the vocabulary of reasons", () => {
  const reasons = Object.values(Reason);

  it("documents every reason in docs/reference.md", () => {
    const documented = documentedReasons();
    expect(reasons.filter((reason) => !documented.has(reason))).toEqual([]);
  });

  it("documents no reason the operator never writes", () => {
    const known = new Set<string>(reasons);
    const stale = [...documentedReasons()].filter((word) => !known.has(word) && !conditionTypes.has(word));
    expect(stale).toEqual([]);
  });

  it("uses only reasons the API server accepts in a condition", () => {
    const pattern = new RegExp(CONDITION_REASON_PATTERN);
    expect(reasons.filter((reason) => !pattern.test(reason))).toEqual([]);
  });
});
