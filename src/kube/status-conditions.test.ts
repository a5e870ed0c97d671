import { describe, expect, it } from "vitest";
import { CONDITION_MESSAGE_MAX_LENGTH } from "../api/conditions.ts";
import { kubeTime, setCondition } from "./status-conditions.ts";

const t0 = new Date("2026-11-28T10:00:00.750Z");
const t1 = new Date("2026-11-28T10:05:00.250Z");

describe("setCondition", () => {
  it("stamps a new condition with the time truncated to whole seconds", () => {
    const conditions = setCondition(
      [],
      { type: "Ready", status: "False", reason: "Pending", message: "" },
      1,
      t0,
    );
    expect(conditions).toEqual([
      {
        type: "Ready",
        status: "False",
        reason: "Pending",
        message: "",
        observedGeneration: 1,
        lastTransitionTime: "2026-11-28T10:00:00Z",
      },
    ]);
  });

  it("keeps lastTransitionTime when only the reason or message changes", () => {
    const first = setCondition(
      [],
      { type: "Ready", status: "False", reason: "Pending", message: "a" },
      1,
      t0,
    );
    const second = setCondition(
      first,
      { type: "Ready", status: "False", reason: "Validating", message: "b" },
      2,
      t1,
    );
    expect(second[0]).toMatchObject({ reason: "Validating", message: "b", observedGeneration: 2 });
    expect(second[0]!.lastTransitionTime).toBe("2026-11-28T10:00:00Z");
  });

  it("moves lastTransitionTime when the status changes", () => {
    const first = setCondition([], { type: "Ready", status: "False", reason: "Pending", message: "" }, 1, t0);
    const second = setCondition(
      first,
      { type: "Ready", status: "True", reason: "Active", message: "" },
      1,
      t1,
    );
    expect(second[0]!.lastTransitionTime).toBe(kubeTime(t1));
  });

  it("leaves other condition types where they were", () => {
    let conditions = setCondition([], { type: "Ready", status: "False", reason: "A", message: "" }, 1, t0);
    conditions = setCondition(
      conditions,
      { type: "Synced", status: "True", reason: "B", message: "" },
      1,
      t0,
    );
    conditions = setCondition(conditions, { type: "Ready", status: "True", reason: "C", message: "" }, 1, t1);
    expect(conditions.map((c) => [c.type, c.reason])).toEqual([
      ["Ready", "C"],
      ["Synced", "B"],
    ]);
  });

  it("truncates messages to the 32 KiB the API allows", () => {
    const conditions = setCondition(
      [],
      { type: "Ready", status: "False", reason: "Error", message: "x".repeat(40_000) },
      1,
      t0,
    );
    expect(conditions[0]!.message).toHaveLength(CONDITION_MESSAGE_MAX_LENGTH);
  });
});
