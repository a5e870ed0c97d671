import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** PEM files of a key pair signed by the control plane's CA. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface ControlPlanePki {
  caCert: string;
  serving: CertificateFiles;
  admin: CertificateFiles;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd: dir });
}

async function ecKey(dir: string, file: string): Promise<void> {
  await openssl(dir, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file]);
}

/** Issues a certificate from the CA in `dir`; `subject` is an OpenSSL DN such as `/CN=admin/O=system:masters`. */
export async function issueCertificate(
  dir: string,
  name: string,
  subject: string,
  usage: "serverAuth" | "clientAuth",
): Promise<CertificateFiles> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await ecKey(dir, key);
  const extensions = [
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature",
    "-addext",
    `extendedKeyUsage=${usage}`,
  ];
  if (usage === "serverAuth") extensions.push("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost");
  await openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    key,
    "-subj",
    subject,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-days",
    "7",
    ...extensions,
    "-out",
    cert,
  ]);
  return { cert, key };
}

/**
 * Everything kube-apiserver needs for TLS, client-certificate authentication and service-account tokens.
 * Short-lived (7 days) like envtest's: these certificates exist only for one local control plane.
 */
export async function createPki(dir: string): Promise<ControlPlanePki> {
  await ecKey(dir, "ca.key");
  await openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-subj",
    "/CN=cfsaas-local-ca",
    "-days",
    "7",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    "ca.crt",
  ]);
  const serving = await issueCertificate(dir, "apiserver", "/CN=kube-apiserver", "serverAuth");
  const admin = await issueCertificate(dir, "admin", "/CN=admin/O=system:masters", "clientAuth");
  await openssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"]);
  await openssl(dir, ["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
  return {
    caCert: join(dir, "ca.crt"),
    serving,
    admin,
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPublicKey: join(dir, "sa.pub"),
  };
}

export interface KubeconfigIdentity {
  user: string;
  clientCert?: CertificateFiles;
  token?: string;
}

/** Writes a kubeconfig (JSON is valid kubeconfig YAML) with the CA and credentials inlined. */
export async function writeKubeconfig(
  path: string,
  server: string,
  caCert: string,
  identity: KubeconfigIdentity,
): Promise<void> {
  const b64 = async (file: string) => (await readFile(file)).toString("base64");
  const user: Record<string, string> = {};
  if (identity.clientCert) {
    user["client-certificate-data"] = await b64(identity.clientCert.cert);
    user["client-key-data"] = await b64(identity.clientCert.key);
  }
  if (identity.token) user.token = identity.token;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "cfsaas-local", cluster: { server, "certificate-authority-data": await b64(caCert) } },
    ],
    users: [{ name: identity.user, user }],
    contexts: [{ name: "cfsaas-local", context: { cluster: "cfsaas-local", user: identity.user } }],
    "current-context": "cfsaas-local",
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
