/**
 * Props a composite construct has already validated (and reported under its own name and prop names) before it
 * passes them to a building block: the building block does not check them again. Each option group is thus checked
 * once, by the construct the user wrote.
 */
const VALIDATED = new WeakSet<object>();

/** Marks props as validated by the composite that built them, and returns them. */
export function prevalidated<T extends object>(props: T): T {
  VALIDATED.add(props);
  return props;
}

/** Whether a building block must validate these props itself (they did not come validated from a composite). */
export function needsValidation(props: object): boolean {
  return !VALIDATED.has(props);
}
