import { ApiError } from "./api-error.ts";
import type { ResultInfo } from "./envelope.ts";
import type { HostnameEvaluation } from "./evaluation.ts";
import { HOSTNAME_MAX_LENGTH } from "./hostname-rules.ts";
import type { HostnameRecord } from "./store.ts";

/** Query handling of `GET /zones/{zone_id}/custom_hostnames` (docs/cloudflare-api.md#listing-and-paging). */

export type ListRow = { record: HostnameRecord; evaluation: HostnameEvaluation };

export type ListFilter = {
  matchesRecord(record: HostnameRecord): boolean;
  matchesState(evaluation: HostnameEvaluation): boolean;
};

/** `hostname` is the 2024 spelling of today's `hostname.exact`; the hostname filters are mutually exclusive. */
const HOSTNAME_FILTERS = ["hostname", "hostname.exact", "hostname.contain", "hostname.startsWith"] as const;
const DEFAULT_PER_PAGE = 20;
const MIN_PER_PAGE = 5;
const SSL_STATUS_ORDER = [
  "initializing",
  "pending_validation",
  "pending_issuance",
  "pending_deployment",
  "active",
];

export function parseListFilter(query: URLSearchParams): ListFilter {
  const present = HOSTNAME_FILTERS.filter((name) => query.has(name));
  if (present.length > 1 || present.some((name) => (query.get(name) ?? "").length > HOSTNAME_MAX_LENGTH)) {
    throw new ApiError(400, 1437, "Use one hostname filter of at most 255 characters.");
  }
  const id = query.get("id");
  const sslStatus = query.get("ssl_status");
  const hostnameStatus = query.get("hostname_status");
  if (id !== null && (present.length > 0 || sslStatus !== null || hostnameStatus !== null)) {
    throw new ApiError(400, 1438, "The id filter cannot be combined with other filters.");
  }
  const kind = present[0];
  const needle = (kind && query.get(kind)?.toLowerCase()) ?? "";
  const matchesName = (hostname: string): boolean => {
    switch (kind) {
      case undefined:
        return true;
      case "hostname.contain":
        return hostname.includes(needle);
      case "hostname.startsWith":
        return hostname.startsWith(needle);
      default:
        return hostname === needle;
    }
  };
  return {
    matchesRecord: (record) => (id === null || record.id === id) && matchesName(record.hostname),
    matchesState: (evaluation) =>
      (sslStatus === null || evaluation.certificate.status === sslStatus) &&
      (hostnameStatus === null || evaluation.ownership.status === hostnameStatus),
  };
}

/** Creation order by default; `order=ssl_status` ranks by certificate progress; `direction=desc` reverses. */
export function sortRows(rows: ListRow[], query: URLSearchParams): ListRow[] {
  const sorted = [...rows];
  if (query.get("order") === "ssl_status") {
    const rank = (row: ListRow) => SSL_STATUS_ORDER.indexOf(row.evaluation.certificate.status);
    sorted.sort((a, b) => rank(a) - rank(b));
  }
  if (query.get("direction") === "desc") sorted.reverse();
  return sorted;
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const value = Number.parseInt(query.get(name) ?? "", 10);
  return Number.isFinite(value) ? value : fallback;
}

/** Out-of-range paging values are clamped rather than refused; clients read back `result_info.per_page`. */
export function paginate(
  rows: ListRow[],
  query: URLSearchParams,
  perPageMax: number,
): { rows: ListRow[]; resultInfo: ResultInfo } {
  const perPage = Math.min(Math.max(intParam(query, "per_page", DEFAULT_PER_PAGE), MIN_PER_PAGE), perPageMax);
  const page = Math.max(intParam(query, "page", 1), 1);
  const pageRows = rows.slice((page - 1) * perPage, page * perPage);
  return {
    rows: pageRows,
    resultInfo: {
      page,
      per_page: perPage,
      count: pageRows.length,
      total_count: rows.length,
      total_pages: Math.ceil(rows.length / perPage),
    },
  };
}
