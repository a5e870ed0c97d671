import { describe, expect, it } from "vitest";
import { DnsTable } from "./dns-table.ts";

describe("simulated DNS table", () => {
  it("stores records under normalised names and values, remembering since when", () => {
    const dns = new DnsTable();
    dns.upsert({ type: "CNAME", name: "App.Customer.com.", value: "Customers.SaasProvider.com." }, 1000);
    expect(dns.get("CNAME", "app.customer.com")).toEqual({
      type: "CNAME",
      name: "app.customer.com",
      value: "customers.saasprovider.com",
      ttl: 60,
      since: 1000,
    });
  });

  it("keeps TXT values as given", () => {
    const dns = new DnsTable();
    dns.upsert({ type: "TXT", name: "_acme-challenge.a.com", value: "AbC-123" }, 0);
    expect(dns.get("TXT", "_acme-challenge.a.com")?.value).toBe("AbC-123");
  });

  it("keeps `since` when the same value is set again and restarts it when the value changes", () => {
    const dns = new DnsTable();
    dns.upsert({ type: "TXT", name: "t.a.com", value: "one" }, 1);
    dns.upsert({ type: "TXT", name: "t.a.com", value: "one" }, 2);
    expect(dns.get("TXT", "t.a.com")?.since).toBe(1);
    dns.upsert({ type: "TXT", name: "t.a.com", value: "two" }, 3);
    expect(dns.get("TXT", "t.a.com")).toMatchObject({ value: "two", since: 3 });
  });

  it("holds one record per type and name, and removes it given an empty value", () => {
    const dns = new DnsTable();
    dns.upsert({ type: "TXT", name: "x.a.com", value: "v" }, 0);
    dns.upsert({ type: "CNAME", name: "x.a.com", value: "t.b.com" }, 0);
    expect(dns.list()).toHaveLength(2);
    dns.upsert({ type: "TXT", name: "x.a.com", value: "" }, 0);
    expect(dns.list().map((r) => r.type)).toEqual(["CNAME"]);
  });
});
