import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Paths of the binaries `npm run setup` builds from the Go module proxy (scripts/setup-tools.sh). */
export interface ControlPlaneTools {
  kubeApiserver: string;
  etcd: string;
  helm: string;
}

export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CFSAAS_TOOLS_DIR) return env.CFSAAS_TOOLS_DIR;
  const cacheHome = env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(cacheHome, "cfsaas-operator", "tools");
}

export function locateTools(env: NodeJS.ProcessEnv = process.env): ControlPlaneTools {
  const manifest = join(toolsDir(env), "versions.json");
  if (!existsSync(manifest)) {
    throw new Error(`control-plane binaries not found (${manifest} is missing): run \`npm run setup\` first`);
  }
  const tools = JSON.parse(readFileSync(manifest, "utf8")) as ControlPlaneTools;
  for (const [name, path] of Object.entries(tools)) {
    if (!existsSync(path)) throw new Error(`${name} binary ${path} is missing: run \`npm run setup\` again`);
  }
  return tools;
}

/** The Gateway API standard channel CRDs (one YAML stream) `npm run setup` fetched, for the HTTPRoute source. */
export function gatewayApiCrds(env: NodeJS.ProcessEnv = process.env): string {
  const path = (locateTools(env) as unknown as { gatewayApiCrds?: string }).gatewayApiCrds;
  if (!path)
    throw new Error("the Gateway API CRDs are not among the tools `npm run setup` fetched: run it again");
  return path;
}
