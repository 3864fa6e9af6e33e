/**
 * JMESPath truthiness (spec, "Filter Expressions"): false, null, empty string, empty
 * array and empty object are false; everything else, including 0, is true. This
 * differs from JavaScript, where 0 is falsy and `[]` and `{}` are truthy.
 */
export function isJmespathTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
