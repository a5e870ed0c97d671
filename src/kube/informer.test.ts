import { describe, expect, it } from "vitest";
import { withoutClientBookkeeping } from "./informer.ts";

describe("withoutClientBookkeeping: what the informer keeps of each object", () => {
  const applied = {
    metadata: {
      name: "app",
      namespace: "tenant",
      resourceVersion: "7",
      finalizers: ["cfsaas.dev/custom-hostname"],
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": '{"spec":{"hostname":"app.customer.com"}}',
        "cfsaas.dev/refresh": "1",
      },
      managedFields: [{ manager: "kubectl-client-side-apply", fieldsV1: { "f:spec": {} } }],
    },
    spec: { hostname: "app.customer.com" },
    status: { hostnameId: "id-1" },
  };

  it("drops managedFields and kubectl's last-applied copy, and keeps every other field", () => {
    expect(withoutClientBookkeeping(applied)).toEqual({
      metadata: {
        name: "app",
        namespace: "tenant",
        resourceVersion: "7",
        finalizers: ["cfsaas.dev/custom-hostname"],
        annotations: { "cfsaas.dev/refresh": "1" },
      },
      spec: { hostname: "app.customer.com" },
      status: { hostnameId: "id-1" },
    });
  });

  it("leaves the object it was given untouched", () => {
    const before = JSON.stringify(applied);
    withoutClientBookkeeping(applied);
    expect(JSON.stringify(applied)).toBe(before);
  });

  it("returns an object with nothing to drop as it is", () => {
    const plain = { metadata: { name: "x" }, spec: {} };
    expect(withoutClientBookkeeping(plain)).toBe(plain);
  });
});
