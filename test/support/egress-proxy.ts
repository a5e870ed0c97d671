import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createProxy } from "proxy";

/**
 * A real forward proxy on 127.0.0.1 (TooTallNate's `proxy`, the one undici's own tests use), recording what it
 * is asked to carry: requests it forwards for `http://` origins and CONNECT tunnels for `https://` ones.
 */
export interface RecordingProxy {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Absolute URLs of the requests forwarded (HTTP_PROXY for an http:// origin). */
  forwarded: string[];
  /** `host:port` of each CONNECT tunnel (HTTPS_PROXY for an https:// origin). */
  tunnels: string[];
  /** TCP connections clients opened to the proxy. */
  connections(): number;
  /** When set, a request without this `Proxy-Authorization` is answered 407. */
  requireAuthorization(header: string | undefined): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const server = createProxy(createServer());
  const forwarded: string[] = [];
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let requiredAuthorization: string | undefined;
  server.authenticate = (request) =>
    requiredAuthorization === undefined || request.headers["proxy-authorization"] === requiredAuthorization;
  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (request) => forwarded.push(request.url ?? ""));
  server.on("connect", (request) => tunnels.push(request.url ?? ""));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    tunnels,
    connections: () => connections,
    requireAuthorization(header) {
      requiredAuthorization = header;
    },
    clear() {
      forwarded.length = 0;
      tunnels.length = 0;
      connections = 0;
    },
    async close() {
      const closed = once(server, "close");
      server.close();
      // Tunnels leave the HTTP server's books once CONNECT succeeds; end them too.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
