/**
 * The object without its undefined fields. cdk8s spreads given metadata over the generated one, so an explicit
 * `name: undefined` would erase the generated name (and leave the object without metadata).
 * @internal
 */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  // for-in over the plain objects this is given: their own keys, in order, without an intermediate array.
  for (const key in obj) {
    const value = (obj as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
