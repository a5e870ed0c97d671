import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimulatorHarness, ZONE_NAME } from "./harness.ts";

let h: SimulatorHarness;
beforeAll(async () => {
  h = await SimulatorHarness.start({ perPageMax: 50 });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
});

describe("custom hostnames over HTTP", () => {
  it("creates a hostname with 201 and returns it pending with ownership tokens and its ssl order", async () => {
    const response = await h.api("POST", h.hostnamesPath(), {
      body: {
        hostname: "App.Customer.com",
        ssl: { method: "txt", type: "dv", certificate_authority: "lets_encrypt" },
      },
    });
    expect(response.status).toBe(201);
    const result = response.body.result;
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.hostname).toBe("app.customer.com");
    expect(result.status).toBe("pending");
    expect(result.ssl).toMatchObject({
      method: "txt",
      type: "dv",
      status: "initializing",
      certificate_authority: "lets_encrypt",
    });
    expect(result.ownership_verification).toMatchObject({
      type: "txt",
      name: "_cf-custom-hostname.app.customer.com",
    });
    expect(result.ownership_verification_http.http_url).toBe(
      `http://app.customer.com/.well-known/cf-custom-hostname-challenge/${result.id}`,
    );
    expect(Date.parse(result.created_at)).not.toBeNaN();
  });

  it("creates a hostname from the hostname alone, ordering an http dv certificate by default", async () => {
    const response = await h.api("POST", h.hostnamesPath(), { body: { hostname: "bare.customer.com" } });
    expect(response.status).toBe(201);
    expect(response.body.result.ssl).toMatchObject({ method: "http", type: "dv" });
  });

  it("reads a hostname by id", async () => {
    const created = await h.createHostname("read.customer.com");
    const read = await h.getHostname(created.id);
    expect(read).toMatchObject({ id: created.id, hostname: "read.customer.com" });
  });

  it("stores custom metadata, custom origin server and SNI given at creation", async () => {
    const created = await h.createHostname("meta.customer.com", {
      custom_metadata: { tier: "gold" },
      custom_origin_server: `origin-eu.${ZONE_NAME}`,
      custom_origin_sni: ":request_host_header:",
    });
    expect(created).toMatchObject({
      custom_metadata: { tier: "gold" },
      custom_origin_server: `origin-eu.${ZONE_NAME}`,
      custom_origin_sni: ":request_host_header:",
    });
  });

  it("deletes a hostname, answering the bare {id} object the spec documents, after which it is gone", async () => {
    const created = await h.createHostname("gone.customer.com");
    const deleted = await h.api("DELETE", h.hostnamesPath(`/${created.id}`));
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: created.id });
    expect((await h.api("GET", h.hostnamesPath(`/${created.id}`))).status).toBe(404);
  });
});

describe("listing custom hostnames", () => {
  async function createMany(count: number): Promise<string[]> {
    const names = Array.from({ length: count }, (_, i) => `host-${String(i).padStart(2, "0")}.customer.com`);
    for (const name of names) await h.createHostname(name);
    return names;
  }

  it("pages with page and per_page and reports total_count and total_pages", async () => {
    const names = await createMany(12);
    const first = await h.api("GET", h.hostnamesPath("?page=1&per_page=5"));
    expect(first.status).toBe(200);
    expect(first.body.result_info).toEqual({
      page: 1,
      per_page: 5,
      count: 5,
      total_count: 12,
      total_pages: 3,
    });
    const last = await h.api("GET", h.hostnamesPath("?page=3&per_page=5"));
    expect(last.body.result.map((r: { hostname: string }) => r.hostname)).toEqual(names.slice(10));
    expect(last.body.result_info.count).toBe(2);
  });

  it("answers an empty page past the last one", async () => {
    await createMany(3);
    const beyond = await h.api("GET", h.hostnamesPath("?page=2&per_page=5"));
    expect(beyond.body.result).toEqual([]);
    expect(beyond.body.result_info).toMatchObject({ page: 2, count: 0, total_count: 3, total_pages: 1 });
  });

  it("defaults to 20 per page and clamps per_page to the configured maximum and the minimum of 5", async () => {
    await createMany(3);
    expect((await h.api("GET", h.hostnamesPath())).body.result_info.per_page).toBe(20);
    expect((await h.api("GET", h.hostnamesPath("?per_page=1000"))).body.result_info.per_page).toBe(50);
    expect((await h.api("GET", h.hostnamesPath("?per_page=1"))).body.result_info.per_page).toBe(5);
  });

  it("filters by exact hostname with hostname= and hostname.exact=", async () => {
    await createMany(3);
    for (const filter of ["hostname", "hostname.exact"]) {
      const response = await h.api("GET", h.hostnamesPath(`?${filter}=host-01.customer.com`));
      expect(response.body.result.map((r: { hostname: string }) => r.hostname)).toEqual([
        "host-01.customer.com",
      ]);
      expect(response.body.result_info.total_count).toBe(1);
    }
  });

  it("filters by hostname.contain and hostname.startsWith", async () => {
    await createMany(3);
    await h.createHostname("other.example-customer.net");
    expect((await h.api("GET", h.hostnamesPath("?hostname.contain=host-0"))).body.result).toHaveLength(3);
    expect((await h.api("GET", h.hostnamesPath("?hostname.startsWith=other."))).body.result).toHaveLength(1);
  });

  it("filters by id", async () => {
    await createMany(2);
    const target = await h.createHostname("target.customer.com");
    const response = await h.api("GET", h.hostnamesPath(`?id=${target.id}`));
    expect(response.body.result.map((r: { id: string }) => r.id)).toEqual([target.id]);
  });

  it("filters by ssl_status and hostname_status", async () => {
    await createMany(2);
    expect((await h.api("GET", h.hostnamesPath("?hostname_status=pending"))).body.result).toHaveLength(2);
    expect((await h.api("GET", h.hostnamesPath("?ssl_status=active"))).body.result).toHaveLength(0);
  });

  it("lists newest first with direction=desc", async () => {
    const names = await createMany(3);
    const response = await h.api("GET", h.hostnamesPath("?direction=desc"));
    expect(response.body.result.map((r: { hostname: string }) => r.hostname)).toEqual([...names].reverse());
  });

  it("keeps each zone's hostnames apart", async () => {
    const other = await SimulatorHarness.start({
      zones: [
        { id: "11111111111111111111111111111111", name: "one.com" },
        { id: "22222222222222222222222222222222", name: "two.com" },
      ],
    });
    try {
      await other.api("POST", "/zones/11111111111111111111111111111111/custom_hostnames", {
        body: { hostname: "a.customer.com" },
      });
      const list = await other.api("GET", "/zones/22222222222222222222222222222222/custom_hostnames");
      expect(list.body.result).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe("editing custom hostnames", () => {
  it("answers 202 and replaces custom metadata", async () => {
    const created = await h.createHostname("edit.customer.com", { custom_metadata: { tier: "gold" } });
    const response = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { custom_metadata: { tier: "silver", region: "eu" } },
    });
    expect(response.status).toBe(202);
    expect(response.body.result.custom_metadata).toEqual({ tier: "silver", region: "eu" });
  });

  it("ignores fields PATCH does not accept, like a bare ssl object (cloudflare-go #453)", async () => {
    const created = await h.createHostname("bare-ssl.customer.com");
    const response = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { method: "txt", type: "dv" },
    });
    expect(response.status).toBe(202);
    expect(response.body.result.ssl.method).toBe("http");
  });

  it("orders a new certificate when the validation method changes", async () => {
    const created = await h.createHostname("method.customer.com");
    const response = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { ssl: { method: "txt", type: "dv" } },
    });
    expect(response.body.result.ssl.method).toBe("txt");
    expect(response.body.result.ssl.id).not.toBe(created.ssl.id);
  });

  it("changes the certificate authority when type and method come with it", async () => {
    const created = await h.createHostname("ca.customer.com");
    const response = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { ssl: { method: "http", type: "dv", certificate_authority: "google" } },
    });
    expect(response.status).toBe(202);
    expect(response.body.result.ssl.certificate_authority).toBe("google");
  });

  it("updates TLS settings without ordering a new certificate", async () => {
    const created = await h.createHostname("tls.customer.com");
    const response = await h.api("PATCH", h.hostnamesPath(`/${created.id}`), {
      body: { ssl: { settings: { min_tls_version: "1.2", http2: "on" } } },
    });
    expect(response.body.result.ssl.settings).toEqual({ min_tls_version: "1.2", http2: "on" });
    expect(response.body.result.ssl.id).toBe(created.ssl.id);
  });
});
