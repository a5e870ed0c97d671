import type { CustomHostname } from "../../src/api/custom-hostname.ts";
import type { TestCluster } from "./control-plane.ts";
import { getObject } from "./operator.ts";

export interface RouteEvent {
  type: string;
  reason: string;
  note: string;
}

/** The events.k8s.io Events recorded about one object, oldest first. */
export async function eventsAbout(
  cluster: TestCluster,
  namespace: string,
  kind: string,
  name: string,
): Promise<RouteEvent[]> {
  const list = await getObject<{
    items: Array<RouteEvent & { regarding: { kind: string; name: string }; eventTime: string }>;
  }>(cluster, ["events.events.k8s.io", "-n", namespace]);
  return (list?.items ?? [])
    .filter((event) => event.regarding.kind === kind && event.regarding.name === name)
    .sort((a, b) => a.eventTime.localeCompare(b.eventTime))
    .map(({ type, reason, note }) => ({ type, reason, note }));
}

/** The CustomHostnames of a namespace, by spec.hostname. */
export async function customHostnamesIn(
  cluster: TestCluster,
  namespace: string,
): Promise<Map<string, CustomHostname>> {
  const list = await getObject<{ items: CustomHostname[] }>(cluster, ["customhostnames", "-n", namespace]);
  return new Map((list?.items ?? []).map((object) => [object.spec.hostname, object]));
}
