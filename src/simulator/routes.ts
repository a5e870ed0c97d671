/** The route templates of `/client/v4`, as they appear in stats and fault rules. */
export const ROUTE_TEMPLATES = [
  "/zones/:zone_id/custom_hostnames/fallback_origin",
  "/zones/:zone_id/custom_hostnames/:custom_hostname_id",
  "/zones/:zone_id/custom_hostnames",
  "/user/tokens/verify",
  "/zones/:zone_id",
] as const;

export type RouteTemplate = (typeof ROUTE_TEMPLATES)[number];

export type RouteMatch = { template: RouteTemplate; params: Record<string, string> };

const COMPILED = ROUTE_TEMPLATES.map((template) => {
  const names: string[] = [];
  const source = template.replace(/:([a-z_]+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { template, names, pattern: new RegExp(`^${source}/?$`) };
});

/** Matches a path below `/client/v4`; the fixed `fallback_origin` segment wins over an id. */
export function matchRoute(path: string): RouteMatch | undefined {
  for (const { template, names, pattern } of COMPILED) {
    const found = pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(found[i + 1] ?? "");
    });
    return { template, params };
  }
  return undefined;
}
