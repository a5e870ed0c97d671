/**
 * The import graph of src/ by folder, and the layering it must respect. `npm run graph` prints every
 * folder → folder edge with its number of imports and exits 1 on an import that points up a layer;
 * test/architecture/layers.test.ts runs the same check in `npm test`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * What each folder of src/ may import, besides itself. The operator's own layers point down: the CLI assembles
 * the operator, which assembles the controllers (reconcilers), which use per-zone Cloudflare access (zones), which
 * uses the Cloudflare client and Kubernetes plumbing. The DNS resolver (dns) is I/O at the edge like the Cloudflare
 * client: it imports nothing of the operator, and the reconcilers use it to watch their customers' DNS. The simulator and the control plane are developer tools:
 * only the CLI may start them, so nothing the operator runs can reach them.
 */
export const allowedImports: Record<string, readonly string[]> = {
  cli: [
    "operator",
    "simulator",
    "controlplane",
    "zones",
    "metrics",
    "logging",
    "kube",
    "cloudflare",
    "dns",
    "api",
  ],
  operator: ["reconcilers", "zones", "metrics", "logging", "kube", "cloudflare", "dns", "api"],
  reconcilers: ["zones", "metrics", "logging", "kube", "cloudflare", "dns", "api"],
  zones: ["logging", "kube", "cloudflare", "api"],
  metrics: ["kube", "cloudflare"],
  logging: ["kube", "cloudflare"],
  kube: ["api"],
  cloudflare: [],
  dns: [],
  api: [],
  simulator: ["cloudflare"],
  controlplane: [],
};

export interface FolderEdge {
  from: string;
  to: string;
  /** How many import statements make this edge. */
  imports: number;
  /** One file that imports across it, to start looking from. */
  example: string;
  allowed: boolean;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The top-level folder under src/ that a path belongs to. */
function folderOf(path: string): string {
  return relative(join(root, "src"), path).split(/[\\/]/)[0] ?? "";
}

/** Every edge between two folders of src/ made by the shipped (non-test) sources. */
export function importGraph(): FolderEdge[] {
  const edges = new Map<string, FolderEdge>();
  for (const file of sourceFiles(join(root, "src"))) {
    const from = folderOf(file);
    for (const [, target] of readFileSync(file, "utf8").matchAll(specifier)) {
      if (!target?.startsWith(".")) continue;
      const to = folderOf(resolve(dirname(file), target));
      if (to === from) continue;
      const key = `${from}→${to}`;
      const edge = edges.get(key) ?? {
        from,
        to,
        imports: 0,
        example: relative(root, file),
        allowed: allowedImports[from]?.includes(to) ?? false,
      };
      edge.imports++;
      edges.set(key, edge);
    }
  }
  return [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const edges = importGraph();
  for (const edge of edges) {
    const verdict = edge.allowed ? "" : `   NOT ALLOWED (e.g. ${edge.example})`;
    console.log(
      `${edge.from.padEnd(12)} → ${edge.to.padEnd(12)} ${String(edge.imports).padStart(3)}${verdict}`,
    );
  }
  const violations = edges.filter((edge) => !edge.allowed);
  console.log(
    violations.length === 0 ? "layers: ok" : `layers: ${violations.length} edge(s) point up a layer`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
}
