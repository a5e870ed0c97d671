/**
 * Every Cloudflare endpoint the operator calls, as a route template. Observers, metrics and errors carry the
 * template (never a URL with ids in it) so label cardinality stays bounded and no id leaks into metric names.
 */
export const routes = {
  verifyToken: { method: "GET", template: "/user/tokens/verify" },
  getZone: { method: "GET", template: "/zones/:zone_id" },
  listCustomHostnames: { method: "GET", template: "/zones/:zone_id/custom_hostnames" },
  createCustomHostname: { method: "POST", template: "/zones/:zone_id/custom_hostnames" },
  getCustomHostname: { method: "GET", template: "/zones/:zone_id/custom_hostnames/:custom_hostname_id" },
  editCustomHostname: { method: "PATCH", template: "/zones/:zone_id/custom_hostnames/:custom_hostname_id" },
  deleteCustomHostname: {
    method: "DELETE",
    template: "/zones/:zone_id/custom_hostnames/:custom_hostname_id",
  },
  getFallbackOrigin: { method: "GET", template: "/zones/:zone_id/custom_hostnames/fallback_origin" },
  updateFallbackOrigin: { method: "PUT", template: "/zones/:zone_id/custom_hostnames/fallback_origin" },
  deleteFallbackOrigin: { method: "DELETE", template: "/zones/:zone_id/custom_hostnames/fallback_origin" },
} as const satisfies Record<string, Route>;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Route {
  method: HttpMethod;
  template: string;
}

/** Fills `:name` placeholders, percent-encoding each value so an id can never change the path's shape. */
export function expandRoute(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/:([a-z_]+)/g, (_placeholder, name: string) => {
    const value = params[name];
    if (value === undefined || value === "") {
      throw new TypeError(`route ${template} needs a non-empty "${name}"`);
    }
    return encodeURIComponent(value);
  });
}
