import { locateTools } from "../../src/controlplane/tools.ts";

/** The linters `npm run setup` builds beside the control-plane binaries (scripts/setup-tools.sh). */
export type DevTool = "actionlint" | "helmDocs";

export function devTool(name: DevTool): string {
  const path = (locateTools() as unknown as Partial<Record<DevTool, string>>)[name];
  if (!path) throw new Error(`${name} is not among the tools \`npm run setup\` built: run it again`);
  return path;
}
