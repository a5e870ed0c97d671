import { describe, expect, it } from "vitest";
import {
  HOSTNAME_OR_WILDCARD_PATTERN,
  HOSTNAME_PATTERN,
  HostnameOrWildcardSchema,
  HostnameSchema,
  isWildcardHostname,
} from "./hostname.ts";

const label63 = `a${"0".repeat(61)}z`;

const hostnames = [
  "app.customer.com",
  "customer.com",
  "a.b",
  "a-b.c-d",
  "a--b.example.com",
  "123.customer.io",
  "4-5.customer.io",
  "shop.xn--bcher-kva.ch",
  "app.xn--p1ai",
  "x1.y2",
  `${label63}.com`,
  `${label63}.${label63}.${label63}.${"d".repeat(61)}`,
];

const notHostnames: Array<[string, string]> = [
  ["", "empty"],
  ["com", "a single label"],
  ["App.customer.com", "uppercase letters"],
  ["app.customer.COM", "an uppercase top-level domain"],
  ["app.customer.com.", "a trailing dot"],
  [".customer.com", "a leading dot"],
  ["app..customer.com", "an empty label"],
  ["-app.customer.com", "a label starting with a hyphen"],
  ["app-.customer.com", "a label ending with a hyphen"],
  ["app.customer.-com", "a top-level domain starting with a hyphen"],
  ["app.customer.com-", "a top-level domain ending with a hyphen"],
  ["my_app.customer.com", "an underscore"],
  ["app customer.com", "a space"],
  ["app.customer.com/", "a path"],
  ["app.customer.com:443", "a port"],
  ["https://app.customer.com", "a scheme"],
  ["shop.bücher.ch", "non-ASCII letters"],
  ["192.0.2.10", "an IPv4 address"],
  ["10.0.0.1", "a private IPv4 address"],
  ["2001:db8::1", "an IPv6 address"],
  ["[2001:db8::1]", "a bracketed IPv6 address"],
  ["app.customer.1com", "a top-level domain starting with a digit"],
  ["app.customer.123", "a numeric top-level domain"],
  [`${label63}x.customer.com`, "a 64 character label"],
  [`${label63}.${label63}.${label63}.${"d".repeat(62)}`, "254 characters"],
  ["*.customer.com", "a wildcard"],
  ["app.*.customer.com", "a wildcard in the middle"],
  ["app.customer.*", "a wildcard top-level domain"],
];

const notWildcards: Array<[string, string]> = [
  ["*", "a bare star"],
  ["*.com", "a wildcard over a top-level domain"],
  ["*.*.customer.com", "two wildcard labels"],
  ["*app.customer.com", "a star glued to a label"],
  ["a*.customer.com", "a star inside a label"],
  ["app.*.customer.com", "a star in the middle"],
  ["**.customer.com", "a double star"],
  ["*..customer.com", "an empty label after the star"],
  ["*.customer.com.", "a trailing dot"],
  ["*.Customer.com", "uppercase letters"],
  ["*.192.0.2.10", "an IPv4 address"],
  [`*.${label63}.${label63}.${label63}.${"d".repeat(60)}`, "254 characters including the star"],
];

describe("HostnameSchema", () => {
  it.each(hostnames)("accepts %s", (hostname) => {
    expect(HostnameSchema.safeParse(hostname).success).toBe(true);
  });

  it.each(notHostnames)("rejects %j (%s)", (hostname) => {
    expect(HostnameSchema.safeParse(hostname).success).toBe(false);
  });

  it("explains the rule in its message", () => {
    const result = HostnameSchema.safeParse("App.customer.com");
    expect(result.error?.issues[0]?.message).toMatch(/lowercase fully qualified domain name/);
  });
});

describe("HostnameOrWildcardSchema", () => {
  it.each([...hostnames, "*.customer.com", "*.a.b", "*.shop.xn--bcher-kva.ch"])("accepts %s", (hostname) => {
    expect(HostnameOrWildcardSchema.safeParse(hostname).success).toBe(true);
  });

  it("accepts a wildcard of exactly 253 characters", () => {
    const hostname = `*.${label63}.${label63}.${label63}.${"d".repeat(59)}`;
    expect(hostname).toHaveLength(253);
    expect(HostnameOrWildcardSchema.safeParse(hostname).success).toBe(true);
  });

  it.each([...notHostnames.filter(([hostname]) => hostname !== "*.customer.com"), ...notWildcards])(
    "rejects %j (%s)",
    (hostname) => {
      expect(HostnameOrWildcardSchema.safeParse(hostname).success).toBe(false);
    },
  );
});

describe("hostname patterns", () => {
  // kube-apiserver compiles CRD patterns with Go's RE2, which has no lookaround or backreferences.
  it.each([HOSTNAME_PATTERN, HOSTNAME_OR_WILDCARD_PATTERN])("%s uses only RE2 syntax", (pattern) => {
    expect(pattern).not.toMatch(/\(\?[=!<]|\\[1-9]/);
    expect(pattern.startsWith("^") && pattern.endsWith("$")).toBe(true);
  });
});

describe("isWildcardHostname", () => {
  it("recognises the leading star label", () => {
    expect(isWildcardHostname("*.customer.com")).toBe(true);
    expect(isWildcardHostname("app.customer.com")).toBe(false);
    expect(isWildcardHostname("*app.customer.com")).toBe(false);
  });
});
