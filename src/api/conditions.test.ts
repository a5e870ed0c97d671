import { describe, expect, it } from "vitest";
import { ConditionSchema, ConditionsSchema } from "./conditions.ts";

const ready = {
  type: "Ready",
  status: "True",
  reason: "Active",
  message: "hostname and certificate are active",
  lastTransitionTime: "2026-11-28T10:00:00Z",
};

describe("ConditionSchema", () => {
  it("accepts a metav1.Condition", () => {
    expect(ConditionSchema.parse({ ...ready, observedGeneration: 4 })).toEqual({
      ...ready,
      observedGeneration: 4,
    });
  });

  it.each(["True", "False", "Unknown"])("accepts status %s", (status) => {
    expect(ConditionSchema.safeParse({ ...ready, status }).success).toBe(true);
  });

  it.each(["true", "Yes", ""])("refuses status %j", (status) => {
    expect(ConditionSchema.safeParse({ ...ready, status }).success).toBe(false);
  });

  it.each(["Conflict", "Rate_Limited", "A", "Cloudflare:1406", "Reason,Other"])(
    "accepts reason %j",
    (reason) => {
      expect(ConditionSchema.safeParse({ ...ready, reason }).success).toBe(true);
    },
  );

  it.each(["", "1406", "Not Found", "Ends:", "rate-limited"])("refuses reason %j", (reason) => {
    expect(ConditionSchema.safeParse({ ...ready, reason }).success).toBe(false);
  });

  it.each(["cfsaas.dev/CertificateIssued", "Ready"])("accepts type %j", (type) => {
    expect(ConditionSchema.safeParse({ ...ready, type }).success).toBe(true);
  });

  it.each(["", "Not Ready", "-Ready"])("refuses type %j", (type) => {
    expect(ConditionSchema.safeParse({ ...ready, type }).success).toBe(false);
  });

  it.each(["reason", "message", "lastTransitionTime"] as const)("requires %s", (key) => {
    const { [key]: _omitted, ...condition } = ready;
    expect(ConditionSchema.safeParse(condition).success).toBe(false);
  });
});

describe("ConditionsSchema", () => {
  it("refuses two conditions of the same type, as the list is keyed by type", () => {
    const result = ConditionsSchema.safeParse([ready, { ...ready, status: "False" }]);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([[1, "type"]]);
  });

  it("accepts one condition per type", () => {
    expect(ConditionsSchema.safeParse([ready, { ...ready, type: "Synced" }]).success).toBe(true);
  });
});
