import { describe, expect, it } from "vitest";
import { nextPage } from "./pagination.ts";

describe("when to stop listing custom hostnames", () => {
  it("follows total_pages when Cloudflare sends it", () => {
    expect(nextPage(1, 50, 50, { total_pages: 3 })).toBe(2);
    expect(nextPage(3, 50, 50, { total_pages: 3 })).toBeUndefined();
  });

  it("stops on an empty page even if totals promise more", () => {
    expect(nextPage(2, 0, 50, { total_pages: 9, total_count: 400 })).toBeUndefined();
  });

  it("uses total_count and the page size Cloudflare reports when total_pages is missing (the 2024 extract)", () => {
    expect(nextPage(1, 50, 50, { per_page: 50, total_count: 120 })).toBe(2);
    expect(nextPage(3, 20, 50, { per_page: 50, total_count: 120 })).toBeUndefined();
    expect(nextPage(2, 50, 50, { per_page: 50, total_count: 100 })).toBeUndefined();
  });

  it("reads the page size back instead of trusting the one requested", () => {
    // Asked for 1000 (the 2026 reference's maximum) but the server capped pages at 50 (the 2024 extract's).
    expect(nextPage(1, 50, 1000, { per_page: 50, total_count: 51 })).toBe(2);
    expect(nextPage(1, 50, 1000, { per_page: 50 })).toBe(2);
  });

  it("stops at a short page when no totals are given", () => {
    expect(nextPage(1, 50, 50, {})).toBe(2);
    expect(nextPage(2, 49, 50, undefined)).toBeUndefined();
  });
});
