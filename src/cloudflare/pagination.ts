import type { ResultInfo } from "./wire.ts";

/**
 * Decides whether another page of custom hostnames must be fetched after `page` returned `itemCount` items.
 * Only reading the first page is a known trap (cloudflare/cf-terraforming #372, cloudflare/node-cloudflare #79),
 * and the page size Cloudflare honours is unsettled (50 in [spec24], 1000 in [ref26]), so the size is read back
 * from `result_info.per_page` rather than assumed. `total_pages` exists only in [ref26]; without it,
 * `total_count` or a short page ends the walk. An empty page always ends it.
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
