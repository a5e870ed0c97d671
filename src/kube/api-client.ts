import { HttpMethod, type KubeConfig, RequestContext } from "@kubernetes/client-node";
import { fetch } from "undici";

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

/**
 * A thin JSON client for the Kubernetes REST API on top of the kubeconfig's authentication. The generated
 * clients of @kubernetes/client-node default patches to json-patch and turn list items into class instances
 * while watches deliver plain JSON; one raw client keeps every object the controllers see in the same shape.
 */
export class KubeApiClient {
  readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
  }

  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    return cluster.server;
  }

  async request<T>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    options: { query?: Query; body?: unknown; patchType?: PatchType; signal?: AbortSignal } = {},
  ): Promise<T> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const context = new RequestContext(url.toString(), HttpMethod[method]);
    await this.kubeConfig.applySecurityAuthentication(context);
    const headers: Record<string, string> = { ...context.getHeaders(), accept: "application/json" };
    if (options.body !== undefined) {
      headers["content-type"] = options.patchType ? patchContentTypes[options.patchType] : "application/json";
    }
    const response = await fetch(url, {
      method,
      headers,
      dispatcher: context.getDispatcher(),
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
}
