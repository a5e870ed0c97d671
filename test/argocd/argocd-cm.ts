import { readFileSync } from "node:fs";

/** The health checks and the `argocd-cm` key Argo CD looks them up under (`<group>_<kind>`). */
export const HEALTH_CHECKS = [
  { kind: "CustomHostname", file: "argocd/health-customhostname.lua" },
  { kind: "FallbackOrigin", file: "argocd/health-fallbackorigin.lua" },
] as const;

/** The `argocd-cm` snippet argocd/README.md documents, built from the .lua files so the two cannot drift. */
export function renderArgocdCm(): string {
  const entries = HEALTH_CHECKS.map(({ kind, file }) => {
    const body = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => (line === "" ? "" : `    ${line}`))
      .join("\n");
    return `  resource.customizations.health.cfsaas.dev_${kind}: |\n${body}`;
  });
  return [
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: argocd-cm",
    "  namespace: argocd",
    "data:",
    ...entries,
  ].join("\n");
}
