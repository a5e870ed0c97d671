import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatorHarness, TOKEN } from "./harness.ts";

const SECOND_TOKEN = "second-token-with-its-own-budget";

let h: SimulatorHarness;
beforeEach(async () => {
  h = await SimulatorHarness.start({
    rateLimit: { requests: 5, windowSeconds: 2 },
    credentials: [{ token: TOKEN }, { token: SECOND_TOKEN }],
  });
});
afterEach(() => h.close());

describe("rate limit", () => {
  it("sends Ratelimit and Ratelimit-Policy on every response, counting down the remaining budget", async () => {
    const first = await h.api("GET", "/user/tokens/verify");
    expect(first.headers.get("ratelimit-policy")).toBe('"default";q=5;w=2');
    expect(first.headers.get("ratelimit")).toMatch(/^"default";r=4;t=[12]$/);
    const failed = await h.api("GET", h.hostnamesPath("/not-a-uuid"));
    expect(failed.status).toBe(400);
    expect(failed.headers.get("ratelimit")).toMatch(/^"default";r=3;t=/);
  });

  it("tags every response, failures included, with a distinct cf-ray request id", async () => {
    const rays = [];
    for (const path of ["/user/tokens/verify", h.hostnamesPath("/not-a-uuid"), "/no/route"]) {
      rays.push((await h.api("GET", path)).headers.get("cf-ray"));
    }
    for (const ray of rays) expect(ray).toMatch(/^[0-9a-f]{16}-SIM$/);
    expect(new Set(rays).size).toBe(3);
  });

  it("answers 429 with retry-after once the budget is spent, and recovers when the window ends", async () => {
    for (let i = 0; i < 5; i++) expect((await h.api("GET", "/user/tokens/verify")).status).toBe(200);
    const limited = await h.api("GET", "/user/tokens/verify");
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].code).toBe(971);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(limited.headers.get("ratelimit")).toMatch(/^"default";r=0;/);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 50));
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(200);
  });

  it("keeps one budget per credential", async () => {
    for (let i = 0; i < 5; i++) await h.api("GET", "/user/tokens/verify");
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(429);
    expect((await h.api("GET", "/user/tokens/verify", { auth: { token: SECOND_TOKEN } })).status).toBe(200);
  });

  it("runs on real time, unaffected by the simulated clock", async () => {
    for (let i = 0; i < 5; i++) await h.api("GET", "/user/tokens/verify");
    await h.advance(3600);
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(429);
  });

  it("starts a fresh budget after an admin reset", async () => {
    for (let i = 0; i < 6; i++) await h.api("GET", "/user/tokens/verify");
    await h.admin("POST", "/reset");
    expect((await h.api("GET", "/user/tokens/verify")).status).toBe(200);
  });
});
