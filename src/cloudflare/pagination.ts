import type { ResultInfo } from "./wire.ts";

/**
 * Decides whether another page of custom hostnames must be fetched after `page` returned `itemCount` items.
 * Only reading the first page is a known trap, and the largest page size is unsettled (50 in the 2024 extract, 1000
 * in the 2026 reference), so the size is read back from `result_info.per_page` rather than assumed. `total_pages`
 * exists only in the 2026 reference; without it, `total_count` or a short page ends the walk. An empty page always
 * ends it (docs/cloudflare-api.md#listing-and-paging).
 */
export function nextPage(
  page: number,
  itemCount: number,
  requestedPerPage: number,
  info: ResultInfo | undefined,
): number | undefined {
  if (itemCount === 0) return undefined;
  if (info?.total_pages !== undefined) return page < info.total_pages ? page + 1 : undefined;
  const perPage = info?.per_page ?? requestedPerPage;
  if (info?.total_count !== undefined) return page * perPage < info.total_count ? page + 1 : undefined;
  return itemCount < perPage ? undefined : page + 1;
}
