import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestPriority } from "./rate-limiter.ts";

/**
 * The budget class of the Cloudflare requests made on behalf of one piece of work (a delete or an edit a user
 * asked for is `urgent`; everything else is `routine`). Async context, as for cf-ray ids: the HTTP layer draws
 * from the budget deep inside every client method, and no method should need a priority parameter.
 */
const priorities = new AsyncLocalStorage<RequestPriority>();

/** Runs `work` with every Cloudflare request it makes drawn from the budget as `priority`. */
export function withRequestPriority<T>(priority: RequestPriority, work: () => Promise<T>): Promise<T> {
  return priorities.run(priority, work);
}

export function currentRequestPriority(): RequestPriority {
  return priorities.getStore() ?? "routine";
}
