import Cloudflare from "cloudflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatorHarness, TOKEN, ZONE_ID, ZONE_NAME } from "./harness.ts";

// Cloudflare's official TypeScript SDK, pointed at the simulator: if they disagree, the simulator is wrong
// unless the official OpenAPI document says otherwise.
let h: SimulatorHarness;
let client: Cloudflare;
beforeAll(async () => {
  h = await SimulatorHarness.start({ timeScale: 1000, perPageMax: 50 });
  client = new Cloudflare({ apiToken: TOKEN, baseURL: h.sim.url, maxRetries: 0 });
});
afterAll(() => h.close());

describe("the official Cloudflare SDK against the simulator", () => {
  it("creates, lists across pages, reads, edits and deletes custom hostnames", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `sdk-${i}.customer.com`);
    const created = [];
    for (const hostname of names) {
      created.push(
        await client.customHostnames.create({
          zone_id: ZONE_ID,
          hostname,
          ssl: { method: "http", type: "dv" },
        }),
      );
    }
    expect(created[0]).toMatchObject({ hostname: names[0], ssl: { method: "http", type: "dv" } });

    const listed: string[] = [];
    for await (const hostname of client.customHostnames.list({ zone_id: ZONE_ID, per_page: 5 }))
      listed.push(hostname.hostname);
    expect(listed).toEqual(names);
    const stats = (await h.admin("GET", "/stats")).body.byEndpoint;
    expect(stats["GET /zones/:zone_id/custom_hostnames"]).toBe(4); // 3 full pages, then the empty one ends it

    const exact = await client.customHostnames.list({ zone_id: ZONE_ID, hostname: { exact: names[3] } });
    expect(exact.result.map((r) => r.id)).toEqual([created[3]?.id]);

    const id = created[0]?.id ?? "";
    expect((await client.customHostnames.get(id, { zone_id: ZONE_ID })).hostname).toBe(names[0]);

    const edited = await client.customHostnames.edit(id, {
      zone_id: ZONE_ID,
      custom_metadata: { tier: "gold" },
    });
    expect(edited.custom_metadata).toEqual({ tier: "gold" });

    const deleted = await client.customHostnames.delete(id, { zone_id: ZONE_ID });
    expect(deleted).toEqual({ id });
    await expect(client.customHostnames.get(id, { zone_id: ZONE_ID })).rejects.toMatchObject({ status: 404 });
  });

  it("gets, updates and deletes the fallback origin", async () => {
    const origin = `fallback.${ZONE_NAME}`;
    const updated = await client.customHostnames.fallbackOrigin.update({ zone_id: ZONE_ID, origin });
    expect(updated).toMatchObject({ origin, status: "initializing" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await client.customHostnames.fallbackOrigin.get({ zone_id: ZONE_ID })).toMatchObject({
      origin,
      status: "active",
    });
    const deleted = await client.customHostnames.fallbackOrigin.delete({ zone_id: ZONE_ID });
    expect(deleted).toMatchObject({ origin, status: "pending_deletion" });
  });

  it("surfaces Cloudflare's error codes through the SDK's typed errors", async () => {
    await client.customHostnames.create({
      zone_id: ZONE_ID,
      hostname: "dup.customer.com",
      ssl: { method: "http", type: "dv" },
    });
    const duplicate = client.customHostnames.create({
      zone_id: ZONE_ID,
      hostname: "dup.customer.com",
      ssl: { method: "http", type: "dv" },
    });
    await expect(duplicate).rejects.toBeInstanceOf(Cloudflare.ConflictError);
    await expect(duplicate).rejects.toMatchObject({ errors: [{ code: 1406 }] });
  });

  it("verifies its token and reads the zone", async () => {
    expect(await client.user.tokens.verify()).toMatchObject({ status: "active" });
    expect(await client.zones.get({ zone_id: ZONE_ID })).toMatchObject({ id: ZONE_ID, name: ZONE_NAME });
  });
});
