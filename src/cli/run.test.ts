import { execFile } from "node:child_process";
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

  it("lets a stop for another reason finish when SIGTERM arrives during it", async () => {
    const { promise: stopping, resolve: stopped } = Promise.withResolvers<void>();
    const operator = fakeOperator(async () => {
      throw new Error("forbidden");
    });
    let handledDuringStop: boolean | undefined;
    operator.stop = async () => {
      operator.calls.push("stop");
      // false would mean nobody handles it, and a real SIGTERM would kill the process mid-stop.
      handledDuringStop = process.emit("SIGTERM", "SIGTERM");
      await stopping;
    };
    const exitCode = runUntilStopped(operator, silent, {});
    await new Promise((resolve) => setImmediate(resolve));
    stopped();
    await expect(exitCode).resolves.toBe(1);
    expect(handledDuringStop).toBe(true);
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

describe("cfsaas-operator run, outside a cluster without a kubeconfig", () => {
  it("exits 1 at once with the message", async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => name !== "KUBECONFIG" && !name.startsWith("KUBERNETES_"),
      ),
    );
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [new URL("./main.ts", import.meta.url).pathname, "run", "--metrics-address=127.0.0.1:0"],
        { env, timeout: 10_000 },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cfsaas-operator run: no cluster to connect to: pass --kubeconfig=PATH");
  }, 15_000);
});
