import { describe, expect, it } from "vitest";
import { createRandom } from "./random.ts";

describe("random source", () => {
  it("repeats itself for a seed and makes version-4 UUIDs", () => {
    const a = createRandom(9);
    const b = createRandom(9);
    expect([a.uuid(), a.hex(32)]).toEqual([b.uuid(), b.hex(32)]);
    expect(createRandom().uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(createRandom().hex(40)).toMatch(/^[0-9a-f]{40}$/);
  });
});
