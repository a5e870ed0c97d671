/**
 * Which informer updates are worth a reconcile (controller-runtime's predicates): a change of spec (generation),
 * of the lifecycle (deletion, finalizers) or of annotations, which carry requests such as a refresh. Our own
 * status writes change none of these, so they do not wake the controller that made them.
 */
export function specOrLifecycleChanged(
  old: { metadata: Record<string, unknown> },
  object: { metadata: Record<string, unknown> },
): boolean {
  const m = old.metadata;
  const n = object.metadata;
  return (
    m.generation !== n.generation ||
    m.deletionTimestamp !== n.deletionTimestamp ||
    JSON.stringify(m.finalizers) !== JSON.stringify(n.finalizers) ||
    JSON.stringify(m.annotations) !== JSON.stringify(n.annotations)
  );
}
