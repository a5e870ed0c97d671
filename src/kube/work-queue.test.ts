import { afterEach, describe, expect, it, vi } from "vitest";
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from "./rate-limiters.ts";
import { WorkQueue } from "./work-queue.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("WorkQueue", () => {
  it("queues a key once however many times it is added", async () => {
    const queue = new WorkQueue();
    queue.add("ns/a");
    queue.add("ns/a");
    queue.add("ns/b");
    queue.add("ns/a");
    expect(queue.depth).toBe(2);
    expect(await queue.get()).toBe("ns/a");
    expect(await queue.get()).toBe("ns/b");
    expect(queue.depth).toBe(0);
  });

  it("never hands a key to two workers at once, and re-queues it once when it changed meanwhile", async () => {
    const queue = new WorkQueue();
    queue.add("ns/a");
    expect(queue.holds("ns/a")).toBe(false);
    const held = await queue.get();
    expect(queue.holds("ns/a")).toBe(true);
    queue.add("ns/a");
    queue.add("ns/a");
    expect(queue.depth).toBe(0);
    let second: string | undefined;
    void queue.get().then((key) => {
      second = key;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done(held!);
    await vi.waitFor(() => expect(second).toBe("ns/a"));
    queue.done("ns/a");
    expect(queue.depth).toBe(0);
    expect(queue.holds("ns/a")).toBe(false);
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.add("ns/a");
    expect(await next).toBe("ns/a");
  });

  it("keeps the earliest due time when a key is added later twice", async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter("ns/a", 10_000);
    queue.addAfter("ns/a", 1_000);
    queue.addAfter("ns/a", 5_000);
    vi.advanceTimersByTime(999);
    expect(queue.depth).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe("ns/a");
    queue.done("ns/a");
    vi.advanceTimersByTime(20_000);
    expect(queue.depth).toBe(0);
  });

  it("backs a failing key off exponentially and forgets its failures after a success", () => {
    vi.useFakeTimers();
    const queue = new WorkQueue(new ItemExponentialRateLimiter(5, 1_000_000));
    expect([1, 2, 3, 4].map(() => queue.addRateLimited("ns/a"))).toEqual([5, 10, 20, 40]);
    queue.forget("ns/a");
    expect(queue.addRateLimited("ns/a")).toBe(5);
  });

  it("caps the per-key backoff at 1000 seconds", () => {
    const limiter = new ItemExponentialRateLimiter(5, 1_000_000);
    const delays = Array.from({ length: 30 }, () => limiter.when("k"));
    expect(delays.at(-1)).toBe(1_000_000);
    expect(delays.indexOf(1_000_000)).toBe(18);
  });

  it("releases idle workers on shutdown but lets queued keys drain", async () => {
    const queue = new WorkQueue();
    queue.add("ns/a");
    queue.shutDown();
    queue.add("ns/b");
    expect(await queue.get()).toBe("ns/a");
    expect(await queue.get()).toBeUndefined();
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through, then spaces callers at the configured rate", () => {
    let now = 0;
    const bucket = new BucketRateLimiter(10, 3, () => now);
    expect([bucket.when(), bucket.when(), bucket.when()]).toEqual([0, 0, 0]);
    expect(bucket.when()).toBeCloseTo(100);
    expect(bucket.when()).toBeCloseTo(200);
    now = 1_000;
    expect(bucket.when()).toBe(0);
  });

  it("is combined with the per-key limiter by taking the longer delay", () => {
    let now = 0;
    const limiter = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter(5, 1_000_000),
      new BucketRateLimiter(1, 1, () => now),
    );
    expect(limiter.when("a")).toBe(5);
    expect(limiter.when("b")).toBeCloseTo(1_000);
    now = 10_000;
    expect(limiter.when("a")).toBe(10);
  });
});
