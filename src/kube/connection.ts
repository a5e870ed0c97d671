/**
 * How the operator reaches the Kubernetes API: the server, and the headers and TLS settings of each request.
 * The two ways it runs are read here without @kubernetes/client-node, whose KubeConfig loads the library's whole
 * generated API (about 55 MiB of resident memory, docs/adr/0009-own-kubernetes-connection.md): a pod's service
 * account, and a kubeconfig whose user is a token or a client certificate. A kubeconfig that needs more (exec
 * plugins, auth providers, basic auth, impersonation, a proxy) is handed to the library, loaded only then.
 */
import { readFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { Agent, type Dispatcher } from "undici";

export interface KubeRequestSettings {
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
}

export interface KubeConnection {
  /** The API server's base URL, without a trailing slash. */
  readonly server: string;
  /** The authentication headers and TLS settings for one request (tokens that rotate are read again). */
  prepare(): Promise<KubeRequestSettings>;
}

/** Where Kubernetes mounts a pod's service account token and the cluster's CA. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Bound service account tokens rotate (the kubelet refreshes the file); client-go reads it again each minute. */
const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * The cluster `run` talks to: the kubeconfig file given, else the pod's service account. Outside a pod and
 * without a kubeconfig, or with a kubeconfig that names no cluster, there is nothing to connect to and the
 * client would retry forever with /readyz failing: refuse at once instead, saying what to pass.
 */
export async function connectToKube(
  kubeconfigPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): Promise<KubeConnection> {
  if (kubeconfigPath) return kubeconfigConnection(kubeconfigPath);
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    return inClusterConnection(env.KUBERNETES_SERVICE_HOST, env.KUBERNETES_SERVICE_PORT, serviceAccountDir);
  }
  throw new Error(
    "no cluster to connect to: pass --kubeconfig=PATH (or set KUBECONFIG), or run in a Kubernetes pod " +
      "(KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)",
  );
}

/** client-go's rest.InClusterConfig: the service's address from the environment, the mounted token and CA. */
export function inClusterConnection(host: string, port: string, dir = SERVICE_ACCOUNT_DIR): KubeConnection {
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const dispatcher = new Agent({ connect: { ca: readFileSync(join(dir, "ca.crt")) } });
  const token = tokenFile(join(dir, "token"));
  return {
    server,
    prepare: async () => ({ headers: { authorization: `Bearer ${token()}` }, dispatcher }),
  };
}

/** The current context's cluster and user of a kubeconfig file. */
/** `paths`: one kubeconfig file, or several joined as in KUBECONFIG (`a:b` here), merged as kubectl merges them. */
export async function kubeconfigConnection(paths: string): Promise<KubeConnection> {
  const config = await readKubeconfigs(paths.split(delimiter).filter((path) => path !== ""));
  const contextName = config["current-context"];
  const context = config.contexts.find((entry) => entry.name === contextName)?.context;
  const cluster = config.clusters.find((entry) => entry.name === context?.cluster)?.cluster;
  if (!cluster?.server) {
    throw new Error(`the kubeconfig ${paths} has no current cluster: check its current-context`);
  }
  const user = config.users.find((entry) => entry.name === context?.user)?.user ?? {};
  const unsupported = [
    ...Object.keys(user).filter((key) => !USER_FIELDS.has(key)),
    ...Object.keys(cluster).filter((key) => !CLUSTER_FIELDS.has(key)),
  ];
  if (unsupported.length > 0) return libraryConnection(config, cluster.server);

  const file = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const inline = (data: string | undefined) => (data === undefined ? undefined : Buffer.from(data, "base64"));
  const dispatcher = new Agent({
    connect: {
      ca: inline(cluster["certificate-authority-data"]) ?? file(cluster["certificate-authority"]),
      cert: inline(user["client-certificate-data"]) ?? file(user["client-certificate"]),
      key: inline(user["client-key-data"]) ?? file(user["client-key"]),
      rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
      ...(cluster["tls-server-name"] && { servername: cluster["tls-server-name"] }),
    },
  });
  const fromFile = user.tokenFile === undefined ? undefined : tokenFile(user.tokenFile);
  const token = () => user.token ?? fromFile?.();
  return {
    server: cluster.server.replace(/\/+$/, ""),
    prepare: async () => {
      const bearer = token();
      const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
      return { headers, dispatcher };
    },
  };
}

interface Kubeconfig {
  "current-context"?: string;
  contexts?: Array<Named<"context", { cluster?: string; user?: string }>>;
  clusters?: Array<Named<"cluster", KubeconfigCluster>>;
  users?: Array<Named<"user", KubeconfigUser>>;
}

type Named<K extends string, T> = { name: string } & { [key in K]?: T };

/**
 * kubectl's rules for a list of kubeconfig files: a file that does not exist is skipped (one named alone must
 * exist), the first file to name a cluster, user or context wins it, and so does the first current-context; a
 * relative path in a file is relative to that file's folder (made absolute here).
 */
async function readKubeconfigs(paths: readonly string[]): Promise<Required<Kubeconfig>> {
  const merged: Required<Kubeconfig> = { "current-context": "", contexts: [], clusters: [], users: [] };
  let read = 0;
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if (paths.length > 1 && (error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    read++;
    const config = ((await parseKubeconfig(text)) ?? {}) as Kubeconfig;
    const folder = dirname(path);
    merged["current-context"] ||= config["current-context"] ?? "";
    addNew(merged.contexts, config.contexts);
    addNew(
      merged.clusters,
      config.clusters?.map(({ cluster, ...entry }) => ({
        ...entry,
        cluster: cluster && absolutePaths(cluster, folder, ["certificate-authority"]),
      })),
    );
    addNew(
      merged.users,
      config.users?.map(({ user, ...entry }) => ({
        ...entry,
        user: user && absolutePaths(user, folder, ["client-certificate", "client-key", "tokenFile"]),
      })),
    );
  }
  if (read === 0) throw new Error(`none of the kubeconfig files ${paths.join(", ")} exists`);
  return merged;
}

function absolutePaths<T extends object>(
  entry: T,
  folder: string,
  fields: ReadonlyArray<keyof T & string>,
): T {
  const resolved = fields
    .filter((field) => typeof entry[field] === "string")
    .map((field) => [field, resolve(folder, entry[field] as string)]);
  return { ...entry, ...Object.fromEntries(resolved) };
}

function addNew<T extends { name: string }>(into: T[], entries: readonly T[] | undefined): void {
  for (const entry of entries ?? []) {
    if (!into.some((existing) => existing.name === entry.name)) into.push(entry);
  }
}

interface KubeconfigCluster {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
}

interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
}

const CLUSTER_FIELDS = new Set<string>([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "tls-server-name",
  "extensions",
]);
const USER_FIELDS = new Set<string>([
  "token",
  "tokenFile",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "extensions",
]);

/** JSON is valid kubeconfig YAML and needs no parser; the YAML parser is loaded only for real YAML. */
async function parseKubeconfig(text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    const { parse } = await import("yaml");
    return parse(text);
  }
}

function tokenFile(path: string): () => string {
  let token = "";
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (Date.now() - readAt >= TOKEN_FILE_REREAD_MS) {
      token = readFileSync(path, "utf8").trim();
      readAt = Date.now();
    }
    return token;
  };
}

/**
 * Every other kubeconfig, through @kubernetes/client-node (exec plugins, OIDC, cloud auth providers, proxies),
 * given as merged by readKubeconfigs, its paths made absolute as the library's own loadFromFile would.
 */
async function libraryConnection(config: Kubeconfig, server: string): Promise<KubeConnection> {
  const { HttpMethod, KubeConfig, RequestContext } = await import("@kubernetes/client-node");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(JSON.stringify(config));
  return {
    server: server.replace(/\/+$/, ""),
    prepare: async () => {
      const context = new RequestContext(server, HttpMethod.GET);
      await kubeConfig.applySecurityAuthentication(context);
      // Lower-case names, as the requests add theirs (accept, content-type) in lower case.
      const headers = Object.fromEntries(
        Object.entries(context.getHeaders()).map(([name, value]) => [name.toLowerCase(), value]),
      );
      // No dispatcher of its own (no CA, no client certificate, no proxy): undici's global one.
      return { headers, dispatcher: context.getDispatcher() as Dispatcher | undefined };
    },
  };
}
