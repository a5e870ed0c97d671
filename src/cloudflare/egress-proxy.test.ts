import { describe, expect, it } from "vitest";
import { describeEgressProxy, egressProxyFromEnv } from "./http.ts";

describe("egressProxyFromEnv", () => {
  it("reads the upper-case variables", () => {
    expect(
      egressProxyFromEnv({
        HTTPS_PROXY: "http://proxy.corp:3128",
        HTTP_PROXY: "http://proxy.corp:8080",
        NO_PROXY: ".svc,10.0.0.0",
      }),
    ).toEqual({
      httpsProxy: "http://proxy.corp:3128",
      httpProxy: "http://proxy.corp:8080",
      noProxy: ".svc,10.0.0.0",
    });
  });

  it("prefers the lower-case name, even when empty, as undici does", () => {
    expect(
      egressProxyFromEnv({
        https_proxy: "http://lower:3128",
        HTTPS_PROXY: "http://upper:3128",
        http_proxy: "",
        HTTP_PROXY: "http://upper:8080",
        no_proxy: "lower.example",
        NO_PROXY: "upper.example",
      }),
    ).toEqual({ httpsProxy: "http://lower:3128", httpProxy: "", noProxy: "lower.example" });
  });

  it("reads nothing as no proxy and no exceptions", () => {
    expect(egressProxyFromEnv({})).toEqual({ httpsProxy: "", httpProxy: "", noProxy: "" });
  });
});

describe("describeEgressProxy", () => {
  it("says direct when no proxy is set", () => {
    expect(describeEgressProxy(egressProxyFromEnv({}))).toEqual({
      https: "direct",
      http: "direct",
      noProxy: [],
    });
  });

  it("never shows the user or password a proxy URL carries", () => {
    const described = describeEgressProxy(
      egressProxyFromEnv({
        HTTPS_PROXY: "http://egress-user:s3cr3t-pass@proxy.corp:3128",
        HTTP_PROXY: "https://only-user@proxy.corp:8443/",
      }),
    );
    expect(described).toEqual({
      https: "http://***@proxy.corp:3128",
      http: "https://***@proxy.corp:8443",
      noProxy: [],
    });
    expect(JSON.stringify(described)).not.toMatch(/s3cr3t|egress-user|only-user/);
  });

  it("sends https origins through HTTP_PROXY when HTTPS_PROXY is unset, as undici does", () => {
    expect(describeEgressProxy(egressProxyFromEnv({ HTTP_PROXY: "http://proxy.corp:3128" }))).toMatchObject({
      https: "http://proxy.corp:3128",
      http: "http://proxy.corp:3128",
    });
  });

  it("lists the NO_PROXY entries, split on commas and spaces", () => {
    expect(
      describeEgressProxy(egressProxyFromEnv({ NO_PROXY: " .svc, localhost 10.96.0.1:443,," })).noProxy,
    ).toEqual([".svc", "localhost", "10.96.0.1:443"]);
  });

  it.each(["proxy.corp:3128", "10.0.0.1:3128", "ftp://proxy.corp"])(
    "refuses HTTPS_PROXY=%s, naming the variable and the form it needs",
    (value) => {
      expect(() => describeEgressProxy(egressProxyFromEnv({ HTTPS_PROXY: value }))).toThrow(
        "HTTPS_PROXY (or https_proxy) must be an http:// or https:// URL such as http://proxy.example:3128",
      );
    },
  );

  it("refuses a malformed HTTP_PROXY without echoing a password it may hold", () => {
    const attempt = () => describeEgressProxy(egressProxyFromEnv({ HTTP_PROXY: "user:hunter2@proxy:3128" }));
    expect(attempt).toThrow(/^HTTP_PROXY \(or http_proxy\) must be/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
