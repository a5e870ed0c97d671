import { STATUS_CODES } from "node:http";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { fetch } from "undici";
import type { KubeConnection } from "./connection.ts";

/** A Kubernetes `Status` failure, with the HTTP code and the server's reason (NotFound, Conflict, Gone…). */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export const isNotFound = (error: unknown) => error instanceof KubeApiError && error.status === 404;
export const isConflict = (error: unknown) => error instanceof KubeApiError && error.status === 409;

/** The operator patches with JSON merge patches only (finalizers); status is written whole, compare-and-swap. */
export type PatchType = "merge";

const patchContentTypes: Record<PatchType, string> = { merge: "application/merge-patch+json" };

type Query = Record<string, string | number | boolean | undefined>;

/** A watch that went quiet this long is ended (the informer resumes it): a dead connection can be silent. */
const WATCH_IDLE_TIMEOUT_MS = 30_000;

/**
 * A thin JSON client for the Kubernetes REST API (docs/adr/0002-raw-json-client-and-own-informer.md): every
 * object the controllers see is plain JSON, from lists and watches alike.
 */
export class KubeApiClient {
  readonly connection: KubeConnection;

  constructor(connection: KubeConnection) {
    this.connection = connection;
  }

  get server(): string {
    return this.connection.server;
  }

  async request<T>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    options: { query?: Query; body?: unknown; patchType?: PatchType; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { headers, dispatcher } = await this.connection.prepare();
    const requestHeaders: Record<string, string> = { ...headers, accept: "application/json" };
    if (options.body !== undefined) {
      requestHeaders["content-type"] = options.patchType
        ? patchContentTypes[options.patchType]
        : "application/json";
    }
    const response = await fetch(this.#url(path, options.query), {
      method,
      headers: requestHeaders,
      dispatcher,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal ?? AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      if (text) json = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      // Paths no API group serves answer a plain-text 404 ("404 page not found"), not a Status.
      if (response.ok) throw error;
    }
    if (!response.ok) {
      throw new KubeApiError(
        response.status,
        typeof json.reason === "string" ? json.reason : response.statusText,
        typeof json.message === "string" ? json.message : `${method} ${path}: HTTP ${response.status}`,
      );
    }
    return json as T;
  }

  /**
   * Watches `path` (`?watch=true`), calling `onEvent` with each event's type and object, until the server ends
   * the stream (resolves), `signal` aborts it or it stays silent for WATCH_IDLE_TIMEOUT_MS (rejects with an
   * AbortError or a TimeoutError), or the request fails (rejects with a KubeApiError).
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (type: string, object: unknown) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const stillAlive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle.abort(new DOMException("the watch was silent too long", "TimeoutError"));
      }, WATCH_IDLE_TIMEOUT_MS);
      timer.unref();
    };
    try {
      stillAlive();
      const { headers, dispatcher } = await this.connection.prepare();
      const response = await fetch(this.#url(path, { ...query, watch: true }), {
        method: "GET",
        headers: { ...headers, accept: "application/json" },
        dispatcher,
        signal: AbortSignal.any([signal, idle.signal]),
      });
      if (response.status !== 200 || !response.body) {
        const text = await response.text().catch(() => "");
        const reason = response.statusText || STATUS_CODES[response.status] || "Error";
        throw new KubeApiError(response.status, reason, text || `watch ${path}: HTTP ${response.status}`);
      }
      stillAlive();
      const body = Readable.fromWeb(response.body);
      body.on("data", stillAlive);
      for await (const line of createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY })) {
        if (!line) continue;
        const event = JSON.parse(line) as { type: string; object: unknown };
        onEvent(event.type, event.object);
      }
    } catch (error) {
      throw idle.signal.aborted ? idle.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  }

  #url(path: string, query: Query = {}): URL {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }
}
