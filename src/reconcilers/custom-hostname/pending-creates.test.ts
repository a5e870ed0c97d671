import { describe, expect, it } from "vitest";
import { type CustomHostname, CustomHostnameSchema } from "../../api/custom-hostname.ts";
import { awaitsCreate, PendingCreates } from "./pending-creates.ts";

function customHostname(name: string, status?: Record<string, unknown>, deleting = false): CustomHostname {
  return CustomHostnameSchema.parse({
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "CustomHostname",
    metadata: {
      name,
      namespace: "tenant",
      ...(deleting && { deletionTimestamp: "2026-12-02T00:00:00Z" }),
    },
    spec: { hostname: `${name}.customer.com`, fallbackOriginRef: { name: "saas-zone" } },
    ...(status && { status }),
  });
}

const ready = (reason: string) => ({
  conditions: [
    { type: "Ready", status: "False", reason, message: "", lastTransitionTime: "2026-12-02T00:00:00Z" },
  ],
});

describe("awaitsCreate", () => {
  it("is true for a hostname applied and not reconciled yet, or queued for its create", () => {
    expect(awaitsCreate(customHostname("new"))).toBe(true);
    expect(awaitsCreate(customHostname("queued", ready("Queued")))).toBe(true);
  });

  it("is false once it is in Cloudflare, while it is deleted, or when only the user can move it on", () => {
    expect(awaitsCreate(customHostname("created", { hostnameId: "id-1", ...ready("Pending") }))).toBe(false);
    expect(awaitsCreate(customHostname("going", undefined, true))).toBe(false);
    expect(awaitsCreate(customHostname("conflict", ready("Conflict")))).toBe(false);
    expect(awaitsCreate(customHostname("refused", ready("EntitlementMissing")))).toBe(false);
  });
});

describe("PendingCreates", () => {
  it("counts from the informer's events: added, changed by a reconcile, deleted", () => {
    const pending = new PendingCreates();
    const first = customHostname("first");
    const second = customHostname("second", ready("Queued"));
    pending.observe({ type: "added", object: first });
    pending.observe({ type: "added", object: second });
    pending.observe({ type: "resync", object: first });
    expect(pending.count).toBe(2);
    const created = customHostname("first", { hostnameId: "id-1", ...ready("Pending") });
    pending.observe({ type: "updated", object: created, old: first });
    expect(pending.count).toBe(1);
    pending.observe({ type: "deleted", object: second });
    expect(pending.count).toBe(0);
  });
});
