import type { SimulatedClock } from "./clock.ts";
import type { DnsTable } from "./dns-table.ts";
import type { RandomSource } from "./random.ts";
import type { SimulatorStore } from "./store.ts";

/** Everything a request handler may read or change. */
export type SimulatorWorld = {
  store: SimulatorStore;
  dns: DnsTable;
  clock: SimulatedClock;
  random: RandomSource;
  perPageMax: number;
};
