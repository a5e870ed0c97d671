import { describe, expect, it } from "vitest";
import { type CustomHostname, CustomHostnameSchema } from "../../api/custom-hostname.ts";
import type { CustomHostname as CloudflareHostname } from "../../cloudflare/wire.ts";
import type { ZoneSnapshot } from "../../zones/zone-poller.ts";
import { type OwnedHostnameLook, observeOwnedFromSnapshot } from "./snapshot-observation.ts";

const HOST = "app.customer.com";
const ID = "0d89c70d-ad9f-4843-b99f-6cc0252067e9";
const due = Date.parse("2026-11-28T12:00:00Z");

function owned(status: Partial<NonNullable<CustomHostname["status"]>> = {}, generation = 1): CustomHostname {
  return CustomHostnameSchema.parse({
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "CustomHostname",
    metadata: { name: "app", namespace: "tenant", generation },
    spec: { hostname: HOST, fallbackOriginRef: { name: "saas-zone" } },
    status: {
      hostnameId: ID,
      observedGeneration: 1,
      nextCheckTime: new Date(due).toISOString(),
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "PendingValidation",
          message: "waiting",
          lastTransitionTime: "2026-11-28T11:00:00Z",
        },
      ],
      ...status,
    },
  });
}

const listed: CloudflareHostname = { id: ID, hostname: HOST, status: "pending" };

function snapshot(takenAt: number, hostname: CloudflareHostname = listed): ZoneSnapshot {
  return { zoneId: "z", takenAt, byHostname: new Map([[HOST, hostname]]), perPage: 50 };
}

function look(changes: Partial<OwnedHostnameLook>): OwnedHostnameLook {
  return {
    object: owned(),
    snapshot: snapshot(due - 60_000),
    now: due + 10_000,
    checkGraceMs: 5_000,
    checksOutnumberListing: false,
    listingWaitMs: 300_000,
    ...changes,
  };
}

describe("observeOwnedFromSnapshot", () => {
  it("takes the listed copy before Cloudflare's check falls due, once a listing is younger than it, and when Ready", () => {
    const found = { kind: "found", hostname: listed, source: "snapshot" };
    expect(observeOwnedFromSnapshot(look({ now: due - 1 }))).toEqual(found);
    expect(observeOwnedFromSnapshot(look({ snapshot: snapshot(due) }))).toEqual(found);
    const ready = owned({
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Active",
          message: "",
          lastTransitionTime: "2026-11-28T11:00:00Z",
        },
      ],
    });
    expect(observeOwnedFromSnapshot(look({ object: ready }))).toEqual(found);
  });

  it("reads Cloudflare when the spec changed, the zone is not listed, or the listing shows another id", () => {
    const unobserved = { kind: "unobserved" };
    expect(observeOwnedFromSnapshot(look({ object: owned({}, 2) }))).toEqual(unobserved);
    expect(observeOwnedFromSnapshot(look({ snapshot: undefined }))).toEqual(unobserved);
    const other = snapshot(due, { ...listed, id: "another" });
    expect(observeOwnedFromSnapshot(look({ snapshot: other }))).toEqual(unobserved);
  });

  it("gives a check that fell due after the listing a grace for a listing serving many, then reads it by id", () => {
    expect(observeOwnedFromSnapshot(look({ now: due + 1_000 }))).toEqual({ kind: "queued", waitMs: 4_000 });
    expect(observeOwnedFromSnapshot(look({ now: due + 5_000 }))).toEqual({ kind: "unobserved" });
  });

  it("waits on for the listing, past the grace, while more checks are due in the zone than the listing has pages", () => {
    // After a rollout the listing may still give way to the last creates: a GET each would cost more than it.
    expect(observeOwnedFromSnapshot(look({ checksOutnumberListing: true }))).toEqual({
      kind: "queued",
      waitMs: 300_000,
    });
    // A hostname the listing cannot tell about is still read by id.
    expect(observeOwnedFromSnapshot(look({ checksOutnumberListing: true, object: owned({}, 2) }))).toEqual({
      kind: "unobserved",
    });
  });
});
