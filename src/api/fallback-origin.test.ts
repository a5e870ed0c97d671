import { describe, expect, it } from "vitest";
import {
  FallbackOriginSchema,
  FallbackOriginSpecSchema,
  FallbackOriginStatusSchema,
} from "./fallback-origin.ts";

const spec = {
  zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
  origin: "proxy-fallback.saasprovider.com",
  credentialsRef: { name: "cloudflare-api" },
};

describe("FallbackOrigin spec defaults", () => {
  it("manages the fallback origin and retains it on deletion unless told otherwise", () => {
    expect(FallbackOriginSpecSchema.parse(spec)).toEqual({
      ...spec,
      managementPolicy: "Manage",
      deletionPolicy: "Retain",
    });
  });

  it("keeps an explicit Observe policy and Delete policy", () => {
    const parsed = FallbackOriginSpecSchema.parse({
      ...spec,
      managementPolicy: "Observe",
      deletionPolicy: "Delete",
    });
    expect(parsed.managementPolicy).toBe("Observe");
    expect(parsed.deletionPolicy).toBe("Delete");
  });

  it("leaves the CNAME target unset when omitted", () => {
    expect(FallbackOriginSpecSchema.parse(spec).cnameTarget).toBeUndefined();
  });
});

describe("FallbackOrigin status", () => {
  it("parses the status the operator writes, with Cloudflare's status verbatim", () => {
    const status = {
      originStatus: "pending_deployment",
      errors: ["origin is not a proxied record"],
      conditions: [
        {
          type: "Ready",
          status: "Unknown",
          reason: "Deploying",
          message: "",
          lastTransitionTime: "2026-11-28T10:00:00.123Z",
        },
      ],
      observedGeneration: 3,
      lastSyncTime: "2026-11-28T10:00:00+01:00",
    };
    expect(FallbackOriginStatusSchema.parse(status)).toEqual(status);
  });

  it("refuses a negative observed generation", () => {
    expect(FallbackOriginStatusSchema.safeParse({ observedGeneration: -1 }).success).toBe(false);
  });

  it("parses a cluster-scoped object without a namespace", () => {
    const object = {
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "FallbackOrigin",
      metadata: { name: "saas-zone" },
      spec,
    };
    expect(FallbackOriginSchema.parse(object).spec.managementPolicy).toBe("Manage");
  });

  it("refuses another API version", () => {
    const object = {
      apiVersion: "cfsaas.dev/v1",
      kind: "FallbackOrigin",
      metadata: { name: "saas-zone" },
      spec,
    };
    expect(FallbackOriginSchema.safeParse(object).error?.issues[0]?.path).toEqual(["apiVersion"]);
  });
});
