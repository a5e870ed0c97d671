import { execFile } from "node:child_process";

export interface HealthStatus {
  status: string;
  message: string;
}

/** Lua 5.1 knows no `\u` escapes, so everything outside printable ASCII goes byte by byte as `\ddd`. */
function luaString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, "utf8")) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** A Lua table literal for a JSON value, the way Argo CD hands the object to a health script. */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return luaString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{ ${value.map(luaLiteral).join(", ")} }`;
  if (typeof value !== "object") throw new Error(`no Lua literal for ${typeof value}`);
  const fields = Object.entries(value)
    .filter(([, field]) => field !== null && field !== undefined)
    .map(([key, field]) => `[${luaString(key)}] = ${luaLiteral(field)}`);
  return `{ ${fields.join(", ")} }`;
}

/** Runs a health script as Argo CD does: a chunk that reads the global `obj` and returns `hs`. */
export function runHealthCheck(script: string, object: unknown): Promise<HealthStatus> {
  const driver = [
    `obj = ${luaLiteral(object)}`,
    "local check = assert(loadstring(io.read('*a'), 'health'))",
    "local hs = check()",
    "io.write(tostring(hs.status), '\\0', tostring(hs.message))",
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = execFile("lua5.1", ["-e", driver], (error, stdout, stderr) => {
      if (error) return reject(new Error(`lua5.1 failed: ${stderr}`));
      const [status = "", message = ""] = stdout.split("\0");
      resolve({ status, message });
    });
    child.stdin?.end(script);
  });
}
