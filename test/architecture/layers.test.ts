import { describe, expect, it } from "vitest";
import { allowedImports, importGraph } from "../../scripts/import-graph.ts";

describe("the layers of src/", () => {
  const edges = importGraph();

  it("point one way: no folder imports from a folder above it", () => {
    expect(edges.filter((edge) => !edge.allowed)).toEqual([]);
  });

  it("know every folder of src/ (a new folder must be placed in a layer)", () => {
    const folders = new Set(edges.flatMap((edge) => [edge.from, edge.to]));
    expect([...folders].filter((folder) => !(folder in allowedImports))).toEqual([]);
  });

  it("keep the developer tools out of everything the operator runs", () => {
    const reachesTool = edges.filter(
      (edge) => (edge.to === "simulator" || edge.to === "controlplane") && edge.from !== "cli",
    );
    expect(reachesTool).toEqual([]);
  });
});
