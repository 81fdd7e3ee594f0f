/**
 * Props a composite construct has already validated (and reported under its own name and prop names) before it
 * passes them to a building block: the building block does not check them again. Each option group is thus checked
 * once, by the construct the user wrote.
 *
 * The mark is a symbol-keyed field of the props object the composite built (a WeakSet costs more on every backend of a
 * large app); it never reaches a manifest.
 */
const VALIDATED = Symbol('cdk8s-resilience.validated');

/** Marks props as validated by the composite that built them, and returns them. */
export function prevalidated<T extends object>(props: T): T {
  (props as { [VALIDATED]?: boolean })[VALIDATED] = true;
  return props;
}

/** Whether a building block must validate these props itself (they did not come validated from a composite). */
export function needsValidation(props: object): boolean {
  return (props as { [VALIDATED]?: boolean })[VALIDATED] !== true;
}
