/**
 * Deep copy of a JSON value (objects, arrays, strings, numbers, booleans, null).
 * Several times faster than `structuredClone` for the small documents steps pass
 * around; values that are not JSON (a Date, a Map) are copied as plain objects.
 *
 * @example
 * ```ts
 * const copy = cloneJson({ items: [1, 2] });
 * copy.items.push(3); // the original is unchanged
 * ```
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = cloneJson(value[i] as unknown);
    return copy as T;
  }
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key)) copy[key] = cloneJson((value as Record<string, unknown>)[key]);
  }
  return copy as T;
}
