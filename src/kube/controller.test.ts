import { describe, expect, it, vi } from "vitest";
import { Controller, type ReconcileOutcome } from "./controller.ts";
import { ItemExponentialRateLimiter } from "./rate-limiters.ts";
import { WorkQueue } from "./work-queue.ts";

function recordingController(
  reconcile: (key: string) => Promise<{ requeueAfterMs?: number } | undefined>,
  workers = 1,
) {
  const outcomes: Array<[string, ReconcileOutcome]> = [];
  const retries: Array<[string, number]> = [];
  const controller = new Controller({
    name: "test",
    reconcile,
    workers,
    queue: new WorkQueue(new ItemExponentialRateLimiter(1, 1_000)),
    observer: {
      reconciled: (_name, key, outcome) => outcomes.push([key, outcome]),
      retried: (_name, key, delay) => retries.push([key, delay]),
    },
  });
  return { controller, outcomes, retries };
}

describe("Controller", () => {
  it("retries a failing key with growing backoff until it succeeds, then forgets its failures", async () => {
    let attempts = 0;
    const { controller, outcomes, retries } = recordingController(async () => {
      attempts += 1;
      if (attempts < 4) throw new Error("transient");
      return undefined;
    });
    controller.start();
    controller.queue.add("ns/a");
    await vi.waitFor(() => expect(outcomes.at(-1)).toEqual(["ns/a", "success"]));
    expect(outcomes.map(([, outcome]) => outcome)).toEqual(["error", "error", "error", "success"]);
    expect(retries.map(([, delay]) => delay)).toEqual([1, 2, 4]);
    // Forgotten: a new failure starts again from the smallest delay.
    expect(controller.queue.addRateLimited("ns/a")).toBe(1);
    await controller.stop();
  });

  it("reconciles again after requeueAfterMs", async () => {
    const seen: number[] = [];
    const { controller, outcomes } = recordingController(async () => {
      seen.push(Date.now());
      return seen.length < 2 ? { requeueAfterMs: 50 } : undefined;
    });
    controller.start();
    controller.queue.add("ns/a");
    await vi.waitFor(() => expect(outcomes).toHaveLength(2));
    expect(outcomes.map(([, outcome]) => outcome)).toEqual(["requeue_after", "success"]);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(45);
    await controller.stop();
  });

  it("never reconciles one key in two workers at once, while other keys proceed in parallel", async () => {
    const inFlight = new Map<string, number>();
    let maxSameKey = 0;
    let maxParallel = 0;
    const { controller, outcomes } = recordingController(async (key) => {
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, inFlight.get(key)!);
      maxParallel = Math.max(
        maxParallel,
        [...inFlight.values()].reduce((a, b) => a + b, 0),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.set(key, inFlight.get(key)! - 1);
      return undefined;
    }, 4);
    controller.start();
    for (let round = 0; round < 5; round++) {
      for (const key of ["ns/a", "ns/b", "ns/c", "ns/d"]) controller.queue.add(key);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await vi.waitFor(() => expect(controller.queue.depth).toBe(0));
    await controller.stop();
    expect(maxSameKey).toBe(1);
    expect(maxParallel).toBeGreaterThan(1);
    expect(outcomes.length).toBeLessThan(20);
  });

  it("finishes the reconcile in flight when stopped", async () => {
    let finished = false;
    const { controller } = recordingController(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
      return undefined;
    });
    controller.start();
    controller.queue.add("ns/a");
    await new Promise((resolve) => setTimeout(resolve, 5));
    await controller.stop();
    expect(finished).toBe(true);
  });
});
