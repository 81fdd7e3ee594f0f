/**
 * The object without its undefined fields. cdk8s spreads given metadata over the generated one, so an explicit
 * `name: undefined` would erase the generated name (and leave the object without metadata).
 * @internal
 */
export function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
