import { afterEach, describe, expect, it } from "vitest";
import { listenForStopSignals, type StopSignals } from "./stop-signals.ts";

const listening: StopSignals[] = [];
afterEach(() => {
  for (const signals of listening.splice(0)) signals.dispose();
});

function listen(): StopSignals {
  const signals = listenForStopSignals();
  listening.push(signals);
  return signals;
}

describe("listenForStopSignals", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("handles %s from the moment it returns", async (signal) => {
    const signals = listen();
    // process.emit returns false when nobody listens: then a real signal would have killed the process.
    expect(process.emit(signal, signal)).toBe(true);
    await expect(signals.received).resolves.toBe(signal);
  });

  it("gives up its handlers after the first signal, so a second one ends a stop that hangs", async () => {
    const before = { SIGTERM: process.listenerCount("SIGTERM"), SIGINT: process.listenerCount("SIGINT") };
    const signals = listen();
    expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM + 1);
    expect(process.listenerCount("SIGINT")).toBe(before.SIGINT + 1);
    process.emit("SIGINT", "SIGINT");
    expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM);
    expect(process.listenerCount("SIGINT")).toBe(before.SIGINT);
    await expect(signals.received).resolves.toBe("SIGINT");
  });

  it("removes its handlers when disposed", () => {
    const before = process.listenerCount("SIGTERM");
    listen().dispose();
    expect(process.listenerCount("SIGTERM")).toBe(before);
    expect(process.listenerCount("SIGINT")).toBe(0);
  });
});
