import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { OperatorMetrics } from "./operator-metrics.ts";

export interface ObservabilityServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `":8080"` listens on every interface (in a pod); `"127.0.0.1:0"` on loopback with a free port (tests). */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) throw new Error(`--metrics-address expects [host]:port, got "${address}"`);
  const host = match[1]!.replace(/^\[(.*)\]$/, "$1");
  return { host: host === "" ? undefined : host, port: Number(match[2]) };
}

/** A readiness check that throws means "not ready", never a crashed request handler (and process). */
function checkReadiness(readiness: () => { ready: boolean; reasons: string[] }): {
  ready: boolean;
  reasons: string[];
} {
  try {
    return readiness();
  } catch (error) {
    return {
      ready: false,
      reasons: [`readiness check failed: ${error instanceof Error ? error.name : "error"}`],
    };
  }
}

/** Serves `/metrics`, `/healthz` (the process answers) and `/readyz` (caches synced) on one address. */
export async function startObservabilityServer(options: {
  address: string;
  metrics: OperatorMetrics;
  readiness: () => { ready: boolean; reasons: string[] };
}): Promise<ObservabilityServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const { ready, reasons } = checkReadiness(options.readiness);
      response
        .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
        .end(ready ? "ok\n" : `${reasons.join("\n")}\n`);
    } else if (path === "/metrics") {
      options.metrics.metrics().then(
        (text) => response.writeHead(200, { "content-type": options.metrics.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  const { host, port } = parseListenAddress(options.address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const urlHost = host === undefined || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    url: `http://${urlHost.includes(":") ? `[${urlHost}]` : urlHost}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
