import { CONDITION_MESSAGE_MAX_LENGTH, type Condition, type ConditionStatus } from "../api/conditions.ts";

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** metav1.Time has whole-second precision: the API server truncates, so compare and write whole seconds. */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * Sets one condition the way meta.SetStatusCondition does: `lastTransitionTime` moves only when the status
 * changes; reason, message and observedGeneration are refreshed every time. Other types keep their place.
 */
export function setCondition(
  conditions: readonly Condition[],
  update: ConditionUpdate,
  observedGeneration: number,
  now: Date,
): Condition[] {
  const existing = conditions.find((condition) => condition.type === update.type);
  const next: Condition = {
    ...update,
    message: update.message.slice(0, CONDITION_MESSAGE_MAX_LENGTH),
    observedGeneration,
    lastTransitionTime:
      existing && existing.status === update.status ? existing.lastTransitionTime : kubeTime(now),
  };
  return existing
    ? conditions.map((condition) => (condition.type === update.type ? next : condition))
    : [...conditions, next];
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function conditionIsTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
