/**
 * The kinds of route a source reads hostnames from, with where each keeps them. Only what the operator reads is
 * typed: routes belong to other controllers, and the operator never writes them (not even their status).
 */
import type { SourceName } from "../../api/sources.ts";
import type { Informer, KubeObject } from "../../kube/informer.ts";
import type { ResourceType } from "../../kube/resources.ts";

export interface RouteObject extends KubeObject {
  spec?: {
    /** HTTPRoute. */
    hostnames?: string[];
    /** Ingress. */
    rules?: Array<{ host?: string }>;
  };
}

export interface RouteKind {
  source: SourceName;
  resource: ResourceType;
  /** The hostnames as the route declares them, in its order. */
  hostnames(route: RouteObject): string[];
}

/** An enabled source: its kind of route and the informer that caches those routes. */
export interface RouteSource {
  kind: RouteKind;
  informer: Informer<RouteObject>;
}

export const httpRouteKind: RouteKind = {
  source: "gateway-httproute",
  resource: {
    group: "gateway.networking.k8s.io",
    version: "v1",
    plural: "httproutes",
    kind: "HTTPRoute",
    namespaced: true,
  },
  hostnames: (route) => route.spec?.hostnames ?? [],
};

export const ingressKind: RouteKind = {
  source: "ingress",
  resource: {
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    kind: "Ingress",
    namespaced: true,
  },
  hostnames: (route) => (route.spec?.rules ?? []).flatMap((rule) => (rule.host ? [rule.host] : [])),
};

export const routeKinds: Record<SourceName, RouteKind> = {
  "gateway-httproute": httpRouteKind,
  ingress: ingressKind,
};

/** The work-queue key of a route: `HTTPRoute/namespace/name`. */
export function routeKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseRouteKey(key: string): { kind: string; namespace: string; name: string } {
  const [kind = "", namespace = "", name = ""] = key.split("/");
  return { kind, namespace, name };
}
