import { parseArgs } from "node:util";
import { DEFAULT_ZONE_NAME, type SimulatorOptions, type ZoneOptions } from "./index.ts";

export const SIMULATE_USAGE = `Usage: cfsaas-dev simulate [flags]

Serves a Cloudflare API simulator on 127.0.0.1 (custom hostnames, fallback origins, token verify, zones)
plus an admin API under /__sim (see docs/simulator.md).

Flags:
  --port N             port to listen on (default 8787; 0 = any free port)
  --dns-port N         also serve the simulated DNS on 127.0.0.1:N, UDP and TCP (0 = any free port)
  --zone ID[=NAME]     serve this zone (32 hex); repeatable; NAME defaults to saasprovider.com
  --token T            accept this API token (Bearer); repeatable
  --api-key K          accept this global API key ...
  --email E            ... for this account email
  --per-page-max N     largest accepted per_page (default 50)
  --rate-limit N/S     N requests per S seconds per credential (default 1200/300)
  --time-scale X       run validation delays X times faster (default 1)
  --seed N             make ids, tokens and fault rolls repeatable
  --help               show this help

With no --zone it makes one zone, and with no --token/--api-key one token, and prints them.`;

export type ParsedSimulateArgs = { help: true } | { help: false; options: SimulatorOptions };

function positiveNumber(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${flag} expects a ${integer ? "non-negative integer" : "non-negative number"}, got "${raw}"`,
    );
  }
  return value;
}

function parseZone(raw: string, index: number): ZoneOptions {
  const [id = "", name] = raw.split("=", 2);
  return {
    id: id.toLowerCase(),
    name: name || (index === 0 ? DEFAULT_ZONE_NAME : `zone${index + 1}.${DEFAULT_ZONE_NAME}`),
  };
}

/** Parses `simulate` flags; throws an Error whose message is fit for the user. */
export function parseSimulateArgs(argv: string[]): ParsedSimulateArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      "dns-port": { type: "string" },
      zone: { type: "string", multiple: true },
      token: { type: "string", multiple: true },
      "api-key": { type: "string" },
      email: { type: "string" },
      "per-page-max": { type: "string" },
      "rate-limit": { type: "string" },
      "time-scale": { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return { help: true };
  const options: SimulatorOptions = {};
  if (values.port !== undefined) options.port = positiveNumber("--port", values.port, true);
  if (values["dns-port"] !== undefined)
    options.dnsPort = positiveNumber("--dns-port", values["dns-port"], true);
  if (values.zone) options.zones = values.zone.map(parseZone);
  const apiKey = values["api-key"];
  if ((apiKey === undefined) !== (values.email === undefined))
    throw new Error("--api-key and --email go together");
  const credentials: NonNullable<SimulatorOptions["credentials"]> = (values.token ?? []).map((token) => ({
    token,
  }));
  if (apiKey !== undefined && values.email !== undefined) credentials.push({ email: values.email, apiKey });
  if (credentials.length > 0) options.credentials = credentials;
  if (values["per-page-max"] !== undefined) {
    options.perPageMax = positiveNumber("--per-page-max", values["per-page-max"], true);
  }
  if (values["rate-limit"] !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(values["rate-limit"]);
    if (!match) throw new Error(`--rate-limit expects N/S, e.g. 1200/300, got "${values["rate-limit"]}"`);
    options.rateLimit = { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  }
  if (values["time-scale"] !== undefined) {
    options.timeScale = positiveNumber("--time-scale", values["time-scale"], false);
  }
  if (values.seed !== undefined) options.seed = positiveNumber("--seed", values.seed, true);
  return { help: false, options };
}
