import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Cloudflare's `cf-ray` ids of the requests made on behalf of one piece of work, so its log line can quote
 * them to Cloudflare support. Async context rather than return values: ids come from every attempt (retries
 * included) deep inside the HTTP layer, and no client method's result should have to carry them.
 */
const collector = new AsyncLocalStorage<string[]>();

/** Runs `work`, appending the cf-ray id of every Cloudflare request it makes to `ids`. */
export function collectRequestIds<T>(ids: string[], work: () => Promise<T>): Promise<T> {
  return collector.run(ids, work);
}

/** Called by the HTTP layer for each reply that carried a cf-ray id. */
export function noteRequestId(id: string): void {
  collector.getStore()?.push(id);
}
