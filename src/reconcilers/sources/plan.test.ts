import { describe, expect, it } from "vitest";
import type { CustomHostname } from "../../api/custom-hostname.ts";
import { generatedName } from "../../api/sources.ts";
import { SourceClaims } from "./claims.ts";
import { desiredObject, participation, planRoute, type RoutePlanInput, readinessEvent } from "./plan.ts";
import { httpRouteKind, ingressKind, type RouteObject, routeKey } from "./route-kinds.ts";

const origin = { "cfsaas.dev/fallback-origin": "saas-zone" };

function httpRoute(
  name: string,
  hostnames: string[],
  annotations: Record<string, string> = origin,
  createdAt = "2026-01-01T00:00:00Z",
): RouteObject {
  return {
    metadata: {
      name,
      namespace: "shop",
      uid: `uid-${name}`,
      creationTimestamp: createdAt,
      annotations,
    },
    spec: { hostnames },
  };
}

/** What the API server would store for a create: the planned object plus identity. */
function stored(object: CustomHostname, extra: Partial<CustomHostname["metadata"]> = {}): CustomHostname {
  return {
    ...object,
    metadata: { ...object.metadata, uid: `uid-${object.metadata.name}`, resourceVersion: "7", ...extra },
  };
}

function handWritten(name: string, hostname: string, namespace = "shop"): CustomHostname {
  return {
    apiVersion: "cfsaas.dev/v1alpha1",
    kind: "CustomHostname",
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: {
      hostname,
      fallbackOriginRef: { name: "saas-zone" },
      ssl: { method: "http", type: "dv", wildcard: false },
      deletionPolicy: "Delete",
    },
  };
}

/** A world of routes and CustomHostnames as the controller's informer handlers would index them. */
function world(routes: RouteObject[], hostnames: CustomHostname[] = [], origins = ["saas-zone"]) {
  const claims = new SourceClaims([httpRouteKind, ingressKind]);
  for (const object of hostnames) claims.upsertCustomHostname(object);
  for (const route of routes) {
    const taking = participation(httpRouteKind, route);
    claims.setRouteClaims(
      routeKey("HTTPRoute", "shop", route.metadata.name),
      route.metadata.creationTimestamp ?? "",
      taking.kind === "in" ? taking.hostnames : [],
    );
  }
  const plan = (route: RouteObject | undefined, name = route?.metadata.name ?? "") => {
    const key = routeKey("HTTPRoute", "shop", name);
    const input: RoutePlanInput = {
      kind: httpRouteKind,
      route,
      generated: claims.generatedBy(key),
      fallbackOriginExists: (originName) => origins.includes(originName),
      claimFor: (hostname) => claims.claimFor(key, "shop", hostname),
      hasSuccessor: (hostname) => claims.successorIn(key, "shop", hostname) !== undefined,
    };
    return planRoute(input);
  };
  return { claims, plan };
}

const generatedFor = (route: RouteObject, hostname: string, settings = {}) =>
  stored(
    desiredObject(httpRouteKind, route, hostname, {
      fallbackOrigin: "saas-zone",
      sslMethod: "http",
      deletionPolicy: "Delete",
      include: undefined,
      exclude: [],
      ...settings,
    }),
  );

describe("planning a route's CustomHostnames", () => {
  it("creates one CustomHostname per hostname, named from it, labelled and owned by the route", () => {
    const route = httpRoute("storefront", ["a.customer.com", "*.customer.com"]);
    const { plan } = world([route]);
    const { writes, events } = plan(route);
    expect(events).toEqual([]);
    expect(writes.map((write) => write.kind)).toEqual(["create", "create"]);
    expect(writes[1]?.object).toEqual({
      apiVersion: "cfsaas.dev/v1alpha1",
      kind: "CustomHostname",
      metadata: {
        name: generatedName("*.customer.com"),
        namespace: "shop",
        labels: { "cfsaas.dev/source": "httproute.storefront" },
        ownerReferences: [
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            name: "storefront",
            uid: "uid-storefront",
            controller: true,
          },
        ],
      },
      spec: {
        hostname: "*.customer.com",
        fallbackOriginRef: { name: "saas-zone" },
        ssl: { method: "txt", type: "dv", wildcard: true },
        deletionPolicy: "Delete",
      },
    });
  });

  it("leaves CustomHostnames that match the route alone, and deletes those of dropped hostnames", () => {
    const route = httpRoute("storefront", ["a.customer.com"]);
    const kept = generatedFor(route, "a.customer.com");
    const dropped = generatedFor(route, "b.customer.com");
    const { plan } = world([route], [kept, dropped]);
    expect(plan(route)).toEqual({ writes: [{ kind: "delete", object: dropped }], events: [] });
  });

  it("puts a hand-edited CustomHostname back, keeping its other labels and annotations", () => {
    const route = httpRoute("storefront", ["a.customer.com"]);
    const original = generatedFor(route, "a.customer.com");
    const edited: CustomHostname = {
      ...original,
      metadata: {
        ...original.metadata,
        labels: { ...original.metadata.labels, team: "web" },
        annotations: { "cfsaas.dev/refresh": "1" },
      },
      spec: { ...original.spec, deletionPolicy: "Retain", customOriginServer: "origin.example.net" },
    };
    const writes = world([route], [edited]).plan(route).writes;
    expect(writes).toHaveLength(1);
    const update = writes[0];
    if (update?.kind !== "update") throw new Error("expected an update");
    expect(update.fields).toEqual(["spec.deletionPolicy", "spec.customOriginServer"]);
    expect(update.object.spec).toEqual(original.spec);
    expect(update.object.metadata.labels).toEqual({
      "cfsaas.dev/source": "httproute.storefront",
      team: "web",
    });
    expect(update.object.metadata.annotations).toEqual({ "cfsaas.dev/refresh": "1" });
    expect(update.object.metadata.resourceVersion).toBe("7");
  });

  it("treats a generated CustomHostname whose label was removed as written by hand", () => {
    const route = httpRoute("storefront", ["a.customer.com"]);
    const detached = generatedFor(route, "a.customer.com");
    detached.metadata.labels = {};
    const { writes, events } = world([route], [detached]).plan(route);
    expect(writes).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ reason: "Conflict", note: expect.stringContaining(detached.metadata.name) }),
    ]);
  });

  it("follows annotation changes on every generated CustomHostname", () => {
    const route = httpRoute("storefront", ["a.customer.com"], { ...origin, "cfsaas.dev/ssl-method": "txt" });
    const { plan } = world([route], [generatedFor(route, "a.customer.com")]);
    const writes = plan(route).writes;
    expect(writes.map((write) => (write.kind === "update" ? write.fields : write.kind))).toEqual([
      ["spec.ssl"],
    ]);
  });

  it("deletes everything it generated once the route leaves (annotation removed, or route deleted)", () => {
    const route = httpRoute("storefront", ["a.customer.com"]);
    const generated = generatedFor(route, "a.customer.com");
    const terminating = generatedFor(route, "b.customer.com");
    terminating.metadata.deletionTimestamp = "2026-01-02T00:00:00Z";
    const { plan } = world([route], [generated, terminating]);
    const expected = { writes: [{ kind: "delete", object: generated }], events: [] };
    expect(plan(httpRoute("storefront", ["a.customer.com"], {}))).toEqual(expected);
    expect(plan(undefined, "storefront")).toEqual(expected);
  });

  it("changes nothing while an annotation is invalid, and says what is wrong", () => {
    const route = httpRoute("storefront", ["b.customer.com"], { ...origin, "cfsaas.dev/ssl-method": "dns" });
    const { plan } = world([route], [generatedFor(route, "a.customer.com")]);
    const { writes, events } = plan(route);
    expect(writes).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        type: "Warning",
        reason: "InvalidAnnotation",
        note: expect.stringContaining("dns"),
      }),
    ]);
  });

  it("keeps another route's CustomHostnames away while that route's annotations are invalid", () => {
    const broken = httpRoute("broken", ["a.customer.com"], { ...origin, "cfsaas.dev/ssl-method": "dns" });
    const arriving = httpRoute("arriving", ["a.customer.com"]);
    const { claims, plan } = world([arriving], [generatedFor(broken, "a.customer.com")]);
    claims.freeze(routeKey("HTTPRoute", "shop", "broken"));
    expect(plan(arriving)).toEqual({
      writes: [],
      events: [
        expect.objectContaining({
          reason: "Conflict",
          note: expect.stringContaining("HTTPRoute shop/broken"),
        }),
      ],
    });
    // Fixed (here: it no longer asks for the hostname): the arriving route takes the object over.
    claims.setRouteClaims(routeKey("HTTPRoute", "shop", "broken"), "2026-01-01T00:00:00Z", []);
    expect(plan(arriving).writes.map((write) => write.kind)).toEqual(["update"]);
  });

  it("changes nothing while the FallbackOrigin is missing", () => {
    const route = httpRoute("storefront", ["b.customer.com"], { "cfsaas.dev/fallback-origin": "typo" });
    const { plan } = world([route], [generatedFor(route, "a.customer.com")]);
    const { writes, events } = plan(route);
    expect(writes).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        reason: "FallbackOriginNotFound",
        note: expect.stringContaining("FallbackOrigin typo"),
      }),
    ]);
  });

  it("skips hostnames a CustomHostname cannot carry and names them", () => {
    const route = httpRoute("storefront", ["localhost", "a.customer.com"]);
    const { writes, events } = world([route]).plan(route);
    expect(writes.map((write) => write.object.spec.hostname)).toEqual(["a.customer.com"]);
    expect(events).toEqual([
      expect.objectContaining({ reason: "InvalidHostname", note: expect.stringContaining("localhost") }),
    ]);
  });

  it("leaves a hostname to a hand-written CustomHostname in any namespace, and names it", () => {
    const route = httpRoute("storefront", ["a.customer.com", "b.customer.com"]);
    const { writes, events } = world([route], [handWritten("mine", "a.customer.com", "other")]).plan(route);
    expect(writes.map((write) => write.object.spec.hostname)).toEqual(["b.customer.com"]);
    expect(events).toEqual([
      expect.objectContaining({
        type: "Warning",
        reason: "Conflict",
        note: "left 1 hostname(s) to the object that already claims them: a.customer.com (CustomHostname other/mine)",
      }),
    ]);
  });

  it("gives a hostname two routes ask for to the older, and keeps it there once created", () => {
    const older = httpRoute("older", ["a.customer.com"], origin, "2026-01-01T00:00:00Z");
    const newer = httpRoute("newer", ["a.customer.com"], origin, "2026-02-01T00:00:00Z");
    const before = world([older, newer]);
    expect(before.plan(older).writes).toHaveLength(1);
    expect(before.plan(newer)).toEqual({
      writes: [],
      events: [
        expect.objectContaining({
          reason: "Conflict",
          note: expect.stringContaining("HTTPRoute shop/older"),
        }),
      ],
    });
    // Created by the newer (say the older arrived later): the existing owner keeps it.
    const after = world([older, newer], [generatedFor(newer, "a.customer.com")]);
    expect(after.plan(newer).writes).toEqual([]);
    expect(after.plan(older).events[0]?.note).toContain("HTTPRoute shop/newer");
  });

  it("takes over a CustomHostname in its namespace that another route dropped, instead of recreating it", () => {
    const leaving = httpRoute("leaving", []);
    const arriving = httpRoute("arriving", ["a.customer.com"]);
    const orphan = generatedFor(leaving, "a.customer.com");
    const { plan } = world([leaving, arriving], [orphan]);
    // The route that dropped it leaves it to its successor, whichever of the two is reconciled first.
    expect(plan(leaving)).toEqual({ writes: [], events: [] });
    expect(plan(undefined, "leaving")).toEqual({ writes: [], events: [] });
    const [write] = plan(arriving).writes;
    if (write?.kind !== "update") throw new Error("expected a takeover");
    expect(write.takeover).toBe(true);
    expect(write.object.metadata.name).toBe(orphan.metadata.name);
    expect(write.object.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "HTTPRoute", name: "arriving", uid: "uid-arriving", controller: true }),
    ]);
    expect(write.object.metadata.labels).toEqual({ "cfsaas.dev/source": "httproute.arriving" });
  });

  it("waits for a CustomHostname that is being deleted before creating its own", () => {
    const route = httpRoute("storefront", ["a.customer.com"]);
    const going = handWritten("going", "a.customer.com");
    going.metadata.deletionTimestamp = "2026-01-02T00:00:00Z";
    const mineGoing = generatedFor(route, "a.customer.com");
    mineGoing.metadata.deletionTimestamp = "2026-01-02T00:00:00Z";
    expect(world([route], [going]).plan(route)).toEqual({ writes: [], events: [] });
    expect(world([route], [mineGoing]).plan(route)).toEqual({ writes: [], events: [] });
  });

  it("plans 500 hostnames as 500 creates with one event per problem, however many hostnames it names", () => {
    const hostnames = Array.from({ length: 500 }, (_, index) => `h${index}.customer.com`);
    const route = httpRoute("big", [...hostnames, ...hostnames, "bad_host"]);
    const { writes, events } = world([route], [handWritten("x", "h7.customer.com")]).plan(route);
    expect(writes).toHaveLength(499);
    expect(new Set(writes.map((write) => write.object.metadata.name)).size).toBe(499);
    expect(events.map((event) => event.reason)).toEqual(["InvalidHostname", "Conflict"]);
  });
});

describe("telling the route about its hostnames' readiness", () => {
  const route = httpRoute("storefront", ["a.customer.com"]);
  const withReady = (status: "True" | "False", reason: string, message = ""): CustomHostname => {
    const object = generatedFor(route, "a.customer.com");
    return {
      ...object,
      status: {
        conditions: [{ type: "Ready", status, reason, message, lastTransitionTime: "2026-01-01T00:00:00Z" }],
      },
    };
  };
  const name = generatedName("a.customer.com");

  it("reports a hostname that becomes Ready, once", () => {
    const pending = withReady("False", "PendingValidation");
    const ready = withReady("True", "Active");
    expect(readinessEvent(pending, ready)).toEqual({
      type: "Normal",
      reason: "HostnameReady",
      action: "Verify",
      note: `a.customer.com (CustomHostname ${name}) is Ready`,
    });
    expect(readinessEvent(ready, ready)).toBeUndefined();
  });

  it("reports a failure with the CustomHostname's reason and message, but not progress", () => {
    const pending = withReady("False", "PendingValidation");
    expect(readinessEvent(pending, withReady("False", "Moved", "the CNAME points elsewhere"))).toEqual({
      type: "Warning",
      reason: "HostnameFailed",
      action: "Verify",
      note: `a.customer.com (CustomHostname ${name}) is not Ready: Moved: the CNAME points elsewhere`,
    });
    expect(readinessEvent(generatedFor(route, "a.customer.com"), pending)).toBeUndefined();
    expect(readinessEvent(pending, withReady("False", "PendingIssuance"))).toBeUndefined();
    expect(readinessEvent(withReady("True", "Active"), withReady("False", "Redeploying"))).toBeUndefined();
  });
});
