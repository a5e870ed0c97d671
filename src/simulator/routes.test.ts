import { describe, expect, it } from "vitest";
import { matchRoute } from "./routes.ts";

describe("route matching", () => {
  it("matches each documented path to its template and parameters", () => {
    expect(matchRoute("/zones/abc/custom_hostnames")).toEqual({
      template: "/zones/:zone_id/custom_hostnames",
      params: { zone_id: "abc" },
    });
    expect(matchRoute("/zones/abc/custom_hostnames/0d89c70d-ad9f-4843-b99f-6cc0252067e9")).toEqual({
      template: "/zones/:zone_id/custom_hostnames/:custom_hostname_id",
      params: { zone_id: "abc", custom_hostname_id: "0d89c70d-ad9f-4843-b99f-6cc0252067e9" },
    });
    expect(matchRoute("/user/tokens/verify")?.template).toBe("/user/tokens/verify");
    expect(matchRoute("/zones/abc/")?.template).toBe("/zones/:zone_id");
  });

  it("routes fallback_origin to its own endpoint, not as a hostname id", () => {
    expect(matchRoute("/zones/abc/custom_hostnames/fallback_origin")?.template).toBe(
      "/zones/:zone_id/custom_hostnames/fallback_origin",
    );
  });

  it("matches nothing for other paths", () => {
    expect(matchRoute("/zones")).toBeUndefined();
    expect(matchRoute("/zones/abc/dns_records")).toBeUndefined();
  });
});
