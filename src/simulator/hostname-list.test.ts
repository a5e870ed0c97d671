import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.ts";
import type { HostnameEvaluation } from "./evaluation.ts";
import { type ListRow, paginate, parseListFilter, sortRows } from "./hostname-list.ts";
import type { HostnameRecord } from "./store.ts";

function row(
  hostname: string,
  sslStatus: HostnameEvaluation["certificate"]["status"] = "pending_validation",
): ListRow {
  return {
    record: { id: `id-${hostname}`, hostname } as HostnameRecord,
    evaluation: {
      ownership: { status: "pending", verificationErrors: [] },
      certificate: { status: sslStatus },
    },
  };
}

const q = (query: string) => new URLSearchParams(query);
const rows = ["a.shop.com", "b.shop.com", "c.other.com"].map((h) => row(h));

describe("list filters", () => {
  const names = (query: string) =>
    rows.filter((r) => parseListFilter(q(query)).matchesRecord(r.record)).map((r) => r.record.hostname);

  it("match exactly with hostname and hostname.exact, case-insensitively", () => {
    expect(names("hostname=A.shop.com")).toEqual(["a.shop.com"]);
    expect(names("hostname.exact=b.shop.com")).toEqual(["b.shop.com"]);
  });

  it("match substrings and prefixes", () => {
    expect(names("hostname.contain=shop")).toEqual(["a.shop.com", "b.shop.com"]);
    expect(names("hostname.startsWith=c.")).toEqual(["c.other.com"]);
  });

  it("match by id and by state", () => {
    expect(names("id=id-b.shop.com")).toEqual(["b.shop.com"]);
    const filter = parseListFilter(q("ssl_status=active&hostname_status=pending"));
    expect(filter.matchesState(row("x.com", "active").evaluation)).toBe(true);
    expect(filter.matchesState(row("x.com").evaluation)).toBe(false);
  });

  it("refuse conflicting filters", () => {
    expect(() => parseListFilter(q("hostname=a.com&hostname.contain=a"))).toThrow(ApiError);
    expect(() => parseListFilter(q(`hostname.contain=${"a".repeat(256)}`))).toThrow(ApiError);
    expect(() => parseListFilter(q("id=x&ssl_status=active"))).toThrow(ApiError);
  });
});

describe("list order", () => {
  it("keeps creation order, ranks by certificate progress, and reverses on desc", () => {
    const mixed = [row("a.com", "active"), row("b.com", "initializing"), row("c.com", "pending_issuance")];
    const order = (query: string) => sortRows(mixed, q(query)).map((r) => r.record.hostname);
    expect(order("")).toEqual(["a.com", "b.com", "c.com"]);
    expect(order("order=ssl_status")).toEqual(["b.com", "c.com", "a.com"]);
    expect(order("order=ssl_status&direction=desc")).toEqual(["a.com", "c.com", "b.com"]);
  });
});

describe("pagination", () => {
  const many = Array.from({ length: 23 }, (_, i) => row(`h${i}.com`));

  it("slices a page and reports totals", () => {
    const { rows: page, resultInfo } = paginate(many, q("page=3&per_page=10"), 50);
    expect(page.map((r) => r.record.hostname)).toEqual(["h20.com", "h21.com", "h22.com"]);
    expect(resultInfo).toEqual({ page: 3, per_page: 10, count: 3, total_count: 23, total_pages: 3 });
  });

  it("defaults to page 1 of 20 and clamps nonsense", () => {
    expect(paginate(many, q(""), 50).resultInfo).toMatchObject({ page: 1, per_page: 20 });
    expect(paginate(many, q("page=0&per_page=2"), 50).resultInfo).toMatchObject({ page: 1, per_page: 5 });
    expect(paginate(many, q("page=x&per_page=500"), 50).resultInfo).toMatchObject({ page: 1, per_page: 50 });
  });

  it("reports zero pages for an empty list", () => {
    expect(paginate([], q(""), 50).resultInfo).toEqual({
      page: 1,
      per_page: 20,
      count: 0,
      total_count: 0,
      total_pages: 0,
    });
  });
});
