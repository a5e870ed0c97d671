import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { collectRequestIds, noteRequestId } from "./request-ids.ts";

describe("collectRequestIds", () => {
  it("gathers the ids noted inside the work, across awaits, and none from outside it", async () => {
    const ids: string[] = [];
    noteRequestId("before");
    const result = await collectRequestIds(ids, async () => {
      noteRequestId("first");
      await sleep(1);
      noteRequestId("second");
      return 42;
    });
    noteRequestId("after");
    expect(result).toBe(42);
    expect(ids).toEqual(["first", "second"]);
  });

  it("keeps concurrent pieces of work apart", async () => {
    const a: string[] = [];
    const b: string[] = [];
    await Promise.all([
      collectRequestIds(a, async () => {
        await sleep(2);
        noteRequestId("a");
      }),
      collectRequestIds(b, async () => {
        noteRequestId("b");
        await sleep(1);
        noteRequestId("b2");
      }),
    ]);
    expect(a).toEqual(["a"]);
    expect(b).toEqual(["b", "b2"]);
  });
});
