import { describe, expect, it } from "vitest";
import { CustomHostnameSpecSchema } from "./custom-hostname.ts";
import { NamespacedObjectMetaSchema } from "./object-meta.ts";
import {
  generatedName,
  generatedSpec,
  hostnameMatches,
  parseSourceAnnotations,
  type SourceSettings,
  selectHostnames,
  sourceLabelValue,
} from "./sources.ts";

const settings = (overrides: Partial<SourceSettings> = {}): SourceSettings => ({
  fallbackOrigin: "saas-zone",
  sslMethod: "http",
  deletionPolicy: "Delete",
  include: undefined,
  exclude: [],
  ...overrides,
});

describe("route annotations", () => {
  it("leave a route without cfsaas.dev/fallback-origin out, whatever else it carries", () => {
    expect(parseSourceAnnotations(undefined)).toEqual({ kind: "absent" });
    expect(parseSourceAnnotations({ "cfsaas.dev/ssl-method": "txt" })).toEqual({ kind: "absent" });
  });

  it("default to HTTP validation, deletion with the route, and every hostname", () => {
    expect(parseSourceAnnotations({ "cfsaas.dev/fallback-origin": "saas-zone" })).toEqual({
      kind: "valid",
      settings: settings(),
    });
  });

  it("read every setting, trimming spaces and lower-casing patterns", () => {
    expect(
      parseSourceAnnotations({
        "cfsaas.dev/fallback-origin": " saas-zone ",
        "cfsaas.dev/ssl-method": "txt",
        "cfsaas.dev/deletion-policy": "Retain",
        "cfsaas.dev/include-hostnames": "*.Customers.example.com, shop.example.com",
        "cfsaas.dev/exclude-hostnames": "internal.customers.example.com",
      }),
    ).toEqual({
      kind: "valid",
      settings: settings({
        sslMethod: "txt",
        deletionPolicy: "Retain",
        include: ["*.customers.example.com", "shop.example.com"],
        exclude: ["internal.customers.example.com"],
      }),
    });
  });

  it("say what is wrong with each bad annotation", () => {
    const parsed = parseSourceAnnotations({
      "cfsaas.dev/fallback-origin": "Saas_Zone",
      "cfsaas.dev/ssl-method": "dns",
      "cfsaas.dev/deletion-policy": "delete",
      "cfsaas.dev/include-hostnames": " , ",
      "cfsaas.dev/exclude-hostnames": "ok.example.com, 10.0.0.1",
    });
    expect(parsed.kind).toBe("invalid");
    const problems = parsed.kind === "invalid" ? parsed.problems : [];
    expect(problems).toEqual([
      expect.stringMatching(
        /^cfsaas.dev\/fallback-origin "Saas_Zone" must be a lowercase DNS-1123 subdomain/,
      ),
      'cfsaas.dev/ssl-method "dns" must be one of http, txt, email',
      'cfsaas.dev/deletion-policy "delete" must be one of Delete, Retain',
      'cfsaas.dev/include-hostnames is empty: list hostnames or "*.domain" patterns',
      'cfsaas.dev/exclude-hostnames: "10.0.0.1" must be hostnames or "*.domain" patterns',
    ]);
  });
});

describe("hostname selection", () => {
  it("matches a pattern exactly, or below a wildcard pattern's domain at any depth", () => {
    expect(hostnameMatches("shop.example.com", "shop.example.com")).toBe(true);
    expect(hostnameMatches("shop.example.com", "a.shop.example.com")).toBe(false);
    expect(hostnameMatches("*.example.com", "a.b.example.com")).toBe(true);
    expect(hostnameMatches("*.example.com", "*.example.com")).toBe(true);
    expect(hostnameMatches("*.example.com", "example.com")).toBe(false);
    expect(hostnameMatches("*.example.com", "badexample.com")).toBe(false);
  });

  it("keeps valid hostnames once each, in order, after the include and exclude filters", () => {
    const declared = ["b.customers.io", "A.customers.io", "b.customers.io", "skip.customers.io", "other.net"];
    expect(
      selectHostnames(declared, settings({ include: ["*.customers.io"], exclude: ["skip.customers.io"] })),
    ).toEqual({ selected: ["b.customers.io", "a.customers.io"], invalid: [] });
  });

  it("sets aside hostnames a CustomHostname cannot carry, as the route wrote them", () => {
    expect(selectHostnames(["localhost", "app.example.com", "*.example.com", "1.2.3.4"], settings())).toEqual(
      {
        selected: ["app.example.com", "*.example.com"],
        invalid: ["localhost", "1.2.3.4"],
      },
    );
  });
});

describe("generated CustomHostnames", () => {
  it("have stable, distinct names that are valid object names", () => {
    const names = ["app.example.com", "*.example.com", "wildcard.example.com", "a-b.c.io", "a.b-c.io"].map(
      generatedName,
    );
    expect(names[0]).toMatch(/^app-example-com-[0-9a-f]{8}$/);
    expect(names[1]).toMatch(/^wildcard-example-com-[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(names.length);
    expect(generatedName("app.example.com")).toBe(names[0]);
    const long = `${"a".repeat(60)}.${"b".repeat(60)}.example.com`;
    for (const name of [...names, generatedName(long)]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(NamespacedObjectMetaSchema.shape.name.parse(name)).toBe(name);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  it("are labelled with the route's kind and name, cut and hashed when too long for a label", () => {
    expect(sourceLabelValue("HTTPRoute", "shop")).toBe("httproute.shop");
    const long = sourceLabelValue("Ingress", "x".repeat(100));
    expect(long).toMatch(/^ingress\.x+-[0-9a-f]{8}$/);
    expect(long.length).toBe(63);
  });

  it("carry a spec the CustomHostname schema accepts; wildcards always validate through TXT", () => {
    expect(generatedSpec("*.example.com", settings({ sslMethod: "http", deletionPolicy: "Retain" }))).toEqual(
      {
        hostname: "*.example.com",
        fallbackOriginRef: { name: "saas-zone" },
        ssl: { method: "txt", type: "dv", wildcard: true },
        deletionPolicy: "Retain",
      },
    );
    for (const hostname of ["*.example.com", "app.example.com"]) {
      const spec = generatedSpec(hostname, settings({ sslMethod: "email" }));
      expect(CustomHostnameSpecSchema.parse(spec)).toEqual(spec);
    }
  });
});
