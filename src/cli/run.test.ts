import pino from "pino";
import { describe, expect, it } from "vitest";
import { type Runnable, runUntilStopped } from "./run.ts";

const silent = pino({ level: "silent" });

/** A stand-in for the Operator that records what it was asked to do. */
function fakeOperator(start: () => Promise<AbortSignal | undefined>): Runnable & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async start() {
      calls.push("start");
      return start();
    },
    async stop() {
      calls.push("stop");
    },
  };
}

describe("runUntilStopped", () => {
  it("handles a SIGTERM sent the instant start announces readiness: stops, then exits 0", async () => {
    const operator = fakeOperator(async () => {
      // What a supervisor does on reading "serving metrics and health"; false means nobody handled it,
      // and a real signal would have killed the process.
      expect(process.emit("SIGTERM", "SIGTERM")).toBe(true);
      return undefined;
    });
    await expect(runUntilStopped(operator, silent, {})).resolves.toBe(0);
    expect(operator.calls).toEqual(["start", "stop"]);
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });

  it("stops and exits 0 on SIGINT", async () => {
    const operator = fakeOperator(async () => undefined);
    const exitCode = runUntilStopped(operator, silent, {});
    await new Promise((resolve) => setImmediate(resolve));
    process.emit("SIGINT", "SIGINT");
    await expect(exitCode).resolves.toBe(0);
    expect(operator.calls).toEqual(["start", "stop"]);
  });

  it("stops and exits 1 when start fails", async () => {
    const operator = fakeOperator(async () => {
      throw new Error("forbidden");
    });
    await expect(runUntilStopped(operator, silent, {})).resolves.toBe(1);
    expect(operator.calls).toEqual(["start", "stop"]);
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });

  it("stops and exits 1 when leadership is lost, so a fresh replica takes over", async () => {
    const leadership = new AbortController();
    const operator = fakeOperator(async () => leadership.signal);
    const exitCode = runUntilStopped(operator, silent, {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(operator.calls).toEqual(["start"]);
    leadership.abort();
    await expect(exitCode).resolves.toBe(1);
    expect(operator.calls).toEqual(["start", "stop"]);
  });

  it("stops and exits 1 when leadership was lost before start returned", async () => {
    const operator = fakeOperator(async () => AbortSignal.abort());
    await expect(runUntilStopped(operator, silent, {})).resolves.toBe(1);
    expect(operator.calls).toEqual(["start", "stop"]);
  });
});
