import { expect } from "vitest";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "../../src/simulator/index.ts";
import { matchRoute } from "../../src/simulator/routes.ts";
import { type ContractCheck, ContractValidator } from "./contract.ts";

export type Auth = { token: string } | { email: string; apiKey: string } | "none";

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert on them.
export type JsonBody = any;

export type ApiResponse = { status: number; headers: Headers; body: JsonBody; text: string };

let sharedValidator: ContractValidator | undefined;

export function contractValidator(): ContractValidator {
  sharedValidator ??= new ContractValidator();
  return sharedValidator;
}

/** Every answer of a documented operation seen by this test file (vitest isolates files). */
export const observedResponses: ContractCheck[] = [];

export const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
export const ZONE_NAME = "saasprovider.com";
export const TOKEN = "sim-token-0123456789abcdefghijklmnopqrstuv";

/**
 * A simulator on an ephemeral port plus helpers that call it over real HTTP. Every `/client/v4` answer
 * of a documented operation is validated against the official OpenAPI contract (with the listed deviations).
 */
export class SimulatorHarness {
  readonly sim: RunningSimulator;
  readonly zoneId: string;
  readonly auth: Auth;

  private constructor(sim: RunningSimulator) {
    this.sim = sim;
    this.zoneId = sim.zones[0]?.id ?? "";
    const first = sim.credentials[0];
    this.auth = first && "token" in first ? { token: first.token } : "none";
  }

  static async start(options: SimulatorOptions = {}): Promise<SimulatorHarness> {
    return new SimulatorHarness(
      await startSimulator({
        port: 0,
        zones: [{ id: ZONE_ID, name: ZONE_NAME }],
        credentials: [{ token: TOKEN }],
        seed: 7,
        ...options,
      }),
    );
  }

  close(): Promise<void> {
    return this.sim.close();
  }

  /** `/zones/<zone>/custom_hostnames` followed by `suffix`. */
  hostnamesPath(suffix = ""): string {
    return `/zones/${this.zoneId}/custom_hostnames${suffix}`;
  }

  async api(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; auth?: Auth; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...authHeaders(options.auth ?? this.auth), ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(`${this.sim.url}${path}`, { method, headers, body });
    const text = await response.text();
    const parsed = text === "" ? undefined : JSON.parse(text);
    const route = matchRoute(new URL(path, "http://x").pathname);
    if (route && isDocumented(method, route.template)) {
      const check = { method, path: route.template, status: response.status, body: parsed };
      expect(contractValidator().check(check)).toEqual([]);
      observedResponses.push(check);
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  async admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: JsonBody }> {
    const response = await fetch(`${this.sim.adminUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  setDns(
    records: Array<{ type: "CNAME" | "TXT" | "A" | "AAAA"; name: string; value: string; ttl?: number }>,
  ) {
    return this.admin("POST", "/dns", { records });
  }

  setFaults(rules: object[]) {
    return this.admin("POST", "/faults", { rules });
  }

  /** Creates a hostname and returns its result, asserting the documented 201. */
  async createHostname(hostname: string, extra: Record<string, unknown> = {}): Promise<JsonBody> {
    const response = await this.api("POST", this.hostnamesPath(), {
      body: { hostname, ssl: { method: "http", type: "dv" }, ...extra },
    });
    expect(response.status).toBe(201);
    return response.body.result;
  }

  async getHostname(id: string): Promise<JsonBody> {
    const response = await this.api("GET", this.hostnamesPath(`/${id}`));
    expect(response.status).toBe(200);
    return response.body.result;
  }

  /** Moves simulated time forward (admin API), to step through the state machines deterministically. */
  async advance(seconds: number): Promise<void> {
    expect((await this.admin("POST", "/clock", { advanceSeconds: seconds })).status).toBe(200);
  }

  async putFallbackOrigin(origin = `fallback.${ZONE_NAME}`): Promise<JsonBody> {
    const response = await this.api("PUT", this.hostnamesPath("/fallback_origin"), { body: { origin } });
    expect(response.status).toBe(200);
    return response.body.result;
  }
}

function isDocumented(method: string, template: string): boolean {
  try {
    return contractValidator().responseKeys(method, template).length > 0;
  } catch {
    return false;
  }
}

export function authHeaders(auth: Auth): Record<string, string> {
  if (auth === "none") return {};
  if ("token" in auth) return { authorization: `Bearer ${auth.token}` };
  return { "x-auth-email": auth.email, "x-auth-key": auth.apiKey };
}

/** Polls `read` until `done` holds, within `timeoutMs` of real time. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
