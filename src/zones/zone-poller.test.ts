import { describe, expect, it } from "vitest";
import type { CloudflareClient } from "../cloudflare/index.ts";
import type { CustomHostname as CloudflareHostname } from "../cloudflare/wire.ts";
import { listingPages, ZonePoller } from "./zone-poller.ts";

const hostname = (name: string, id = `id-${name}`) => ({ id, hostname: name }) as CloudflareHostname;

/** A client whose listing returns `zone` as it is when the listing starts, and can be held open. */
function fakeClient(zone: CloudflareHostname[]) {
  const listings: Array<() => void> = [];
  let hold = false;
  const client = {
    /** Pages of 3, as a server answering a smaller per_page than asked for would send them. */
    async *listCustomHostnames(
      _zoneId: string,
      _filter: unknown,
      options?: { onPage?: (size: number) => void },
    ) {
      const copy = [...zone];
      if (hold) await new Promise<void>((resolve) => listings.push(resolve));
      for (let start = 0; start === 0 || start < copy.length; start += 3) {
        options?.onPage?.(3);
        yield* copy.slice(start, start + 3);
      }
    },
  } as unknown as CloudflareClient;
  return {
    client,
    holdListings: () => {
      hold = true;
    },
    release: () => {
      hold = false;
      for (const resolve of listings.splice(0)) resolve();
    },
    calls: () => listings.length,
  };
}

function poller(now: () => number, more: Partial<ConstructorParameters<typeof ZonePoller>[0]> = {}) {
  return new ZonePoller({
    intervalMs: 60_000,
    zones: async () => [],
    onRefreshed: () => {},
    onError: () => {},
    now,
    ...more,
  });
}

describe("ZonePoller", () => {
  it("lists a zone once for every caller waiting on it at the same time", async () => {
    const fake = fakeClient([hostname("a.example.com")]);
    fake.holdListings();
    const zones = poller(() => 1000);
    const waiting = [1, 2, 3].map(() => zones.refresh({ zoneId: "z", client: fake.client }));
    await Promise.resolve();
    expect(fake.calls()).toBe(1);
    fake.release();
    const snapshots = await Promise.all(waiting);
    expect(new Set(snapshots).size).toBe(1);
    expect([...(snapshots[0]?.byHostname.keys() ?? [])]).toEqual(["a.example.com"]);
  });

  it("says what a listing costs now, in pages of the size Cloudflare sent, own creates included", async () => {
    const names = Array.from({ length: 9 }, (_, i) => hostname(`h${i}.example.com`));
    const zones = poller(() => 1000);
    const listed = await zones.refresh({ zoneId: "z", client: fakeClient(names).client });
    expect(listed?.perPage).toBe(3);
    expect(listingPages(listed!)).toBe(3);
    zones.record("z", hostname("new.example.com"));
    expect(listingPages(zones.snapshot("z")!)).toBe(4);
    const empty = await zones.refresh({ zoneId: "empty", client: fakeClient([]).client });
    expect(listingPages(empty!)).toBe(1);
  });

  it("postpones a periodic listing when asked, and keeps the last snapshot in use until the next one", async () => {
    let now = 1000;
    let postpone = true;
    const fake = fakeClient([hostname("a.example.com")]);
    const refreshed: number[] = [];
    const zones = poller(() => now, {
      zones: async () => [{ zoneId: "z", client: fake.client }],
      onRefreshed: (snapshot) => refreshed.push(snapshot.takenAt),
      postpone: (_zone, last) => postpone && last !== undefined,
    });
    await zones.start();
    expect(refreshed).toEqual([1000]);
    now += 10 * 60_000;
    await zones.pollAll();
    expect(refreshed).toEqual([1000]);
    // Far past two intervals, and still the snapshot the reconciles use: the next listing was postponed.
    expect(zones.snapshot("z")?.takenAt).toBe(1000);
    postpone = false;
    await zones.pollAll();
    expect(refreshed).toEqual([1000, now]);
    now += 3 * 60_000;
    expect(zones.snapshot("z")).toBeUndefined();
    await zones.stop();
  });

  it("keeps our own create and delete in a listing that started before them", async () => {
    let now = 1000;
    const fake = fakeClient([hostname("old.example.com")]);
    const zones = poller(() => now);
    await zones.refresh({ zoneId: "z", client: fake.client });
    fake.holdListings();
    const listing = zones.refresh({ zoneId: "z", client: fake.client });
    now = 2000;
    zones.record("z", hostname("new.example.com"));
    zones.forget("z", "old.example.com");
    fake.release();
    const snapshot = await listing;
    expect([...(snapshot?.byHostname.keys() ?? [])]).toEqual(["new.example.com"]);
    // A listing taken after the writes shows Cloudflare as it is: our record has done its job.
    now = 3000;
    const later = await zones.refresh({ zoneId: "z", client: fake.client });
    expect([...(later?.byHostname.keys() ?? [])]).toEqual(["old.example.com"]);
  });

  it("hands out a snapshot only while it is younger than two intervals", async () => {
    let now = 0;
    const fake = fakeClient([hostname("a.example.com")]);
    const zones = poller(() => now);
    await zones.refresh({ zoneId: "z", client: fake.client });
    now = 119_999;
    expect(zones.snapshot("z")).toBeDefined();
    now = 120_000;
    expect(zones.snapshot("z")).toBeUndefined();
  });
});
