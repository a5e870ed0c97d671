import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { type AdminTargets, handleAdminRequest } from "./admin.ts";
import { handleApiRequest } from "./api.ts";
import { ApiError } from "./api-error.ts";
import { type Credential, claimedIdentity } from "./auth.ts";
import { failureEnvelope } from "./envelope.ts";
import { rateLimitHeaders } from "./rate-limit.ts";
import { matchRoute } from "./routes.ts";

export const API_PREFIX = "/client/v4";
export const ADMIN_PREFIX = "/__sim";
const MAX_BODY_BYTES = 1024 * 1024;

export type SimulatorRuntime = AdminTargets & { credentials: readonly Credential[] };

/** The body an injected "malformed" fault sends: JSON cut off mid-object, with a JSON content type. */
export const MALFORMED_BODY = '{"success":true,"errors":[],"messages":[],"result":{"id":"';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body over 1 MiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body);
}

async function serveApi(runtime: SimulatorRuntime, req: IncomingMessage, res: ServerResponse, url: URL) {
  const { world, faults, stats, rateLimiter } = runtime;
  const method = req.method ?? "GET";
  const path = url.pathname.slice(API_PREFIX.length) || "/";
  const route = matchRoute(path);
  const endpoint = route && `${method} ${route.template}`;
  stats.record(endpoint);
  const rawBody = await readBody(req);

  const fault = faults.decide(endpoint ?? `${method} ${path}`);
  if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault?.kind === "reset") {
    req.socket.destroy();
    return;
  }
  // Cloudflare counts requests per user, so the bucket is whoever the request claims to be.
  const verdict = rateLimiter.take(claimedIdentity(req.headers) ?? `ip:${req.socket.remoteAddress}`);
  const headers = {
    "cf-ray": `${world.random.hex(16)}-SIM`,
    ...rateLimitHeaders(rateLimiter.policy, verdict),
  };
  const answer = (status: number, extra: Record<string, string>, body: string) => {
    stats.recordStatus(status);
    send(res, status, { ...headers, ...extra }, body);
  };
  const fail = (status: number, code: number, message: string, extra: Record<string, string> = {}) =>
    answer(status, extra, JSON.stringify(failureEnvelope([{ code, message }])));

  // 971 with 429 is what throttled calls are reported to answer (docs/cloudflare-api.md#error-codes).
  if (!verdict.allowed) return fail(429, 971, "Please wait and consider throttling your request speed");
  switch (fault?.kind) {
    case "server_error":
      return fail(500, 1500, "Internal server error (injected fault)");
    case "rate_limit":
      return fail(429, 971, "Please wait and consider throttling your request speed", {
        "Retry-After": String(fault.retryAfterSeconds),
      });
    case "malformed":
      return answer(200, {}, MALFORMED_BODY);
  }
  try {
    const result = handleApiRequest(world, runtime.credentials, {
      method,
      route,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
    });
    answer(result.status, {}, JSON.stringify(result.body));
  } catch (error) {
    if (error instanceof ApiError) return fail(error.status, error.code, error.message);
    process.stderr.write(
      `simulator: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    fail(500, 1500, "Internal server error");
  }
}

async function serveAdmin(runtime: SimulatorRuntime, req: IncomingMessage, res: ServerResponse, url: URL) {
  const rawBody = await readBody(req);
  const path = url.pathname.slice(ADMIN_PREFIX.length) || "/";
  const { status, body } = handleAdminRequest(runtime, req.method ?? "GET", path, rawBody);
  send(res, status, {}, JSON.stringify(body));
}

const INTERNAL_ERROR = JSON.stringify(failureEnvelope([{ code: 1500, message: "Internal server error" }]));

async function serve(runtime: SimulatorRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
    return serveAdmin(runtime, req, res, url);
  }
  if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`))
    return serveApi(runtime, req, res, url);
  send(res, 404, {}, JSON.stringify(failureEnvelope([{ code: 7000, message: "No route for that URI" }])));
}

export function createSimulatorServer(runtime: SimulatorRuntime): Server {
  return createServer((req, res) => {
    serve(runtime, req, res).catch((error: unknown) => {
      process.stderr.write(`simulator: ${error instanceof Error ? error.message : String(error)}\n`);
      if (res.headersSent) res.destroy();
      else send(res, 500, {}, INTERNAL_ERROR);
    });
  });
}
