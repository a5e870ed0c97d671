/**
 * Runs decideCustomHostname in the executor's loop against a tiny in-memory Cloudflare, crashing the "operator"
 * after every possible number of steps, to show that every starting point converges to exactly one hostname in
 * Cloudflare, owned by the object, with nothing duplicated or left behind.
 */
import { describe, expect, it } from "vitest";
import { type CustomHostname, CustomHostnameSchema } from "../../api/custom-hostname.ts";
import { FallbackOriginSchema } from "../../api/fallback-origin.ts";
import type {
  CustomHostname as CloudflareHostname,
  CreateCustomHostnameBody,
  EditCustomHostnameBody,
} from "../../cloudflare/wire.ts";
import { findCondition } from "../../kube/status-conditions.ts";
import type { PlannedEvent } from "../model.ts";
import { decideCustomHostname } from "./decide.ts";
import { CUSTOM_HOSTNAME_FINALIZER, type HostnameObservation } from "./types.ts";

const HOST = "app.customer.com";
const objectCreated = new Date("2026-11-28T11:00:00Z");

const fallbackOrigin = FallbackOriginSchema.parse({
  apiVersion: "cfsaas.dev/v1alpha1",
  kind: "FallbackOrigin",
  metadata: { name: "saas-zone" },
  spec: {
    zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
    origin: "proxy-fallback.saasprovider.com",
    credentialsRef: { name: "cloudflare-api" },
  },
});

/** Cloudflare's custom hostnames of one zone; create/edit/delete behave like the API, ids are sequential. */
class FakeCloudflare {
  readonly hostnames = new Map<string, CloudflareHostname>();
  #next = 0;

  readonly clock: { now: Date };

  constructor(clock: { now: Date }) {
    this.clock = clock;
  }

  create(body: CreateCustomHostnameBody): CloudflareHostname {
    if (this.byName(body.hostname)) throw new Error(`1406 duplicate ${body.hostname}`);
    const id = `id-${++this.#next}`;
    const hostname: CloudflareHostname = {
      id,
      hostname: body.hostname,
      status: "pending",
      created_at: this.clock.now.toISOString(),
      ssl: { status: "pending_validation", method: body.ssl?.method, type: body.ssl?.type, wildcard: false },
      ...(body.custom_metadata && { custom_metadata: body.custom_metadata }),
      ownership_verification: {
        type: "txt",
        name: `_cf-custom-hostname.${body.hostname}`,
        value: `token-${id}`,
      },
    };
    this.hostnames.set(id, hostname);
    return hostname;
  }

  edit(id: string, body: EditCustomHostnameBody): CloudflareHostname {
    const current = this.hostnames.get(id);
    if (!current) throw new Error("1436 not found");
    const settings = body.ssl?.settings;
    const updated: CloudflareHostname = {
      ...current,
      ssl: {
        ...current.ssl,
        method: body.ssl?.method,
        type: body.ssl?.type,
        ...(settings && { settings: { ...settings } }),
      },
      ...(body.custom_metadata && { custom_metadata: body.custom_metadata }),
    };
    this.hostnames.set(id, updated);
    return updated;
  }

  byName(name: string): CloudflareHostname | undefined {
    return [...this.hostnames.values()].find((hostname) => hostname.hostname === name);
  }

  activateAll(): void {
    for (const [id, hostname] of this.hostnames) {
      const { ownership_verification: _, ...rest } = hostname;
      this.hostnames.set(id, { ...rest, status: "active", ssl: { ...hostname.ssl, status: "active" } });
    }
  }
}

/** The object as the API server stores it; `undefined` once its last finalizer is removed during deletion. */
interface World {
  clock: { now: Date };
  cloudflare: FakeCloudflare;
  object: CustomHostname | undefined;
  events: PlannedEvent[];
}

function newWorld(spec: Record<string, unknown> = {}): World {
  const clock = { now: new Date(objectCreated.getTime() + 1000) };
  return {
    clock,
    cloudflare: new FakeCloudflare(clock),
    events: [],
    object: CustomHostnameSchema.parse({
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: {
        name: "app",
        namespace: "tenant-john",
        generation: 1,
        creationTimestamp: objectCreated.toISOString(),
      },
      spec: { hostname: HOST, fallbackOriginRef: { name: "saas-zone" }, ...spec },
    }),
  };
}

/**
 * The executor's loop. `crashAfter` kills it after that many steps (the final status write counts as one), as a
 * SIGKILL would. Returns whether the reconcile finished.
 */
function reconcile(world: World, crashAfter = Number.POSITIVE_INFINITY): boolean {
  let observation: HostnameObservation = { kind: "unobserved" };
  for (let steps = 0; steps < 8; steps++) {
    const object = world.object;
    if (!object) return true;
    const decision = decideCustomHostname({
      object,
      fallbackOrigin,
      credentials: { kind: "usable" },
      conflict: undefined,
      observation,
      now: world.clock.now,
      scheduleScale: 1,
    });
    const action = decision.action;
    if (steps >= crashAfter) return false;
    if (!action) {
      world.object = { ...object, status: decision.status };
      world.events.push(...decision.events);
      return true;
    }
    world.clock.now = new Date(world.clock.now.getTime() + 200);
    const { cloudflare } = world;
    switch (action.kind) {
      case "addFinalizer":
      case "removeFinalizer": {
        const others = (object.metadata.finalizers ?? []).filter(
          (name) => name !== CUSTOM_HOSTNAME_FINALIZER,
        );
        const finalizers = action.kind === "addFinalizer" ? [...others, CUSTOM_HOSTNAME_FINALIZER] : others;
        world.object =
          object.metadata.deletionTimestamp && finalizers.length === 0
            ? undefined
            : { ...object, metadata: { ...object.metadata, finalizers } };
        if (action.kind === "removeFinalizer") return true;
        break;
      }
      case "observe": {
        const id = object.status?.hostnameId;
        const hostname = (id && cloudflare.hostnames.get(id)) || cloudflare.byName(object.spec.hostname);
        observation = hostname
          ? { kind: "found", hostname, source: id && cloudflare.hostnames.has(id) ? "get" : "list" }
          : { kind: "absent" };
        break;
      }
      case "create":
        observation = { kind: "found", hostname: cloudflare.create(action.body), source: "create" };
        world.events.push(action.event);
        break;
      case "update":
        observation = { kind: "found", hostname: cloudflare.edit(action.id, action.body), source: "update" };
        world.events.push(action.event);
        break;
      case "delete":
        cloudflare.hostnames.delete(action.id);
        observation = { kind: "absent" };
        world.events.push(action.event);
        break;
    }
  }
  throw new Error("the decision did not settle in 8 steps");
}

/** Reconciles until nothing is left to do, as the work queue would after each requeue. */
function settle(world: World): void {
  for (let round = 0; round < 5; round++) {
    const before = JSON.stringify([world.object, [...world.cloudflare.hostnames]]);
    reconcile(world);
    if (JSON.stringify([world.object, [...world.cloudflare.hostnames]]) === before) return;
  }
  throw new Error("did not converge in 5 reconciles");
}

function expectOwnsOneHostname(world: World): CloudflareHostname {
  expect(world.cloudflare.hostnames.size).toBe(1);
  const [hostname] = [...world.cloudflare.hostnames.values()];
  expect(world.object?.status?.hostnameId).toBe(hostname?.id);
  expect(world.object?.metadata.finalizers).toContain(CUSTOM_HOSTNAME_FINALIZER);
  return hostname!;
}

function deleteObject(world: World): void {
  const object = world.object!;
  world.object = {
    ...object,
    metadata: { ...object.metadata, deletionTimestamp: world.clock.now.toISOString() },
  };
}

const ready = (world: World) => findCondition(world.object?.status?.conditions, "Ready")?.status;

describe("the decisions in the executor's loop", () => {
  it("take a new object to exactly one hostname in Cloudflare, then to Ready once Cloudflare is active", () => {
    const world = newWorld();
    settle(world);
    const hostname = expectOwnsOneHostname(world);
    expect(world.object?.status).toMatchObject({ adopted: false, hostnameStatus: "pending" });
    expect(world.object?.status?.dnsRecords?.map((record) => record.purpose)).toEqual([
      "Routing",
      "OwnershipVerification",
    ]);
    expect(world.events.map((event) => event.reason)).toEqual(["Created"]);
    expect(ready(world)).toBe("False");

    world.cloudflare.activateAll();
    settle(world);
    expect(ready(world)).toBe("True");
    expect(world.object?.status?.dnsRecords).toHaveLength(1);
    expect(expectOwnsOneHostname(world).id).toBe(hostname.id);
  });

  it("never create a duplicate, whichever step the operator is killed after", () => {
    // The first reconcile adds the finalizer, observes, creates, writes status: be killed before each of them.
    for (let crashAfter = 0; crashAfter <= 4; crashAfter++) {
      const world = newWorld({ customMetadata: { tier: "gold" } });
      reconcile(world, crashAfter);
      settle(world);
      const hostname = expectOwnsOneHostname(world);
      expect(hostname.custom_metadata).toEqual({ tier: "gold" });
      // The hostname was made for this object, even when a crash lost the status write that said so.
      expect(world.object?.status?.adopted).toBe(false);
    }
  });

  it("adopt a hostname that existed before the object, and set it to the spec", () => {
    const world = newWorld({ ssl: { settings: { minTlsVersion: "1.2" } } });
    world.clock.now = new Date(objectCreated.getTime() - 86_400_000);
    world.cloudflare.create({ hostname: HOST, ssl: { method: "http", type: "dv" } });
    world.clock.now = new Date(objectCreated.getTime() + 1000);
    settle(world);
    const hostname = expectOwnsOneHostname(world);
    expect(hostname.ssl?.settings?.min_tls_version).toBe("1.2");
    expect(world.object?.status?.adopted).toBe(true);
    expect(world.events.map((event) => event.reason)).toEqual(["Updated", "Adopted"]);
  });

  it("set drift made in Cloudflare back to the spec and report it", () => {
    const world = newWorld({ ssl: { settings: { minTlsVersion: "1.2" } } });
    settle(world);
    const { id } = expectOwnsOneHostname(world);
    world.cloudflare.edit(id, { ssl: { method: "http", type: "dv", settings: { min_tls_version: "1.0" } } });
    settle(world);
    expect(world.cloudflare.hostnames.get(id)?.ssl?.settings?.min_tls_version).toBe("1.2");
    expect(world.events.at(-1)).toMatchObject({ type: "Warning", reason: "DriftCorrected" });
  });

  it("recreate a hostname someone deleted in Cloudflare, with a warning", () => {
    const world = newWorld();
    settle(world);
    world.cloudflare.hostnames.clear();
    settle(world);
    expectOwnsOneHostname(world);
    expect(world.events.at(-1)).toMatchObject({ type: "Warning", reason: "RecreatedInCloudflare" });
  });

  it("delete the hostname and release the object, whichever step the operator is killed after", () => {
    for (let crashAfter = 0; crashAfter < 4; crashAfter++) {
      const world = newWorld();
      settle(world);
      deleteObject(world);
      reconcile(world, crashAfter);
      settle(world);
      expect(world.cloudflare.hostnames.size).toBe(0);
      expect(world.object).toBeUndefined();
    }
  });

  it("delete a hostname whose id never reached status, found by name", () => {
    const world = newWorld();
    reconcile(world, 3); // finalizer added, looked up, created, then killed before the status write
    expect(world.object?.status?.hostnameId).toBeUndefined();
    deleteObject(world);
    settle(world);
    expect(world.cloudflare.hostnames.size).toBe(0);
    expect(world.object).toBeUndefined();
  });

  it("leave the hostname in Cloudflare when deleted under deletionPolicy Retain", () => {
    const world = newWorld({ deletionPolicy: "Retain" });
    settle(world);
    deleteObject(world);
    settle(world);
    expect(world.cloudflare.hostnames.size).toBe(1);
    expect(world.object).toBeUndefined();
  });
});
