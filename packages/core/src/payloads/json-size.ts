/** Deeper than this the walk stops and reports "over": JSON.stringify then decides, and throws on a cycle. */
const maxDepth = 256;

/**
 * An upper bound of the size in bytes of `JSON.stringify(value)` as UTF-8, found by a
 * walk that serializes nothing and stops as soon as the bound passes `limit` (it then
 * returns some number above `limit`). Its cost grows with the part of the value it
 * walks, so it stays small for small values whatever the limit, and bounded by the
 * limit for large ones.
 *
 * The bound is safe, never below the real size: a string counts 6 bytes per UTF-16
 * unit (a control character escapes to `\u00XX`; long plain text 2), a number 24 (the
 * longest a double prints; a small integer its digits), a key as a string plus its
 * colon and comma. It is loose: a caller that needs the exact size serializes once the
 * bound is past its threshold.
 *
 * @example
 * ```ts
 * jsonSizeBound({ n: 1 }, 262_144); // 13: small, nothing serialized
 * jsonSizeBound(hugeObject, 262_144) > 262_144; // true, after walking about 256 KB of it
 * ```
 */
export function jsonSizeBound(value: unknown, limit: number): number {
  const left = remaining(value, limit, 0);
  return left >= 0 ? limit - left : limit + Math.max(1, -left);
}

/** `budget` less the bound of `value`; negative once over. */
function remaining(value: unknown, budget: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return budget - stringBound(value);
    case 'number':
      return budget - numberBound(value);
    case 'boolean':
      return budget - 5;
    case 'object':
      return value === null ? budget - 4 : remainingOfObject(value, budget, depth);
    case 'bigint':
      // JSON.stringify throws on a BigInt; count it so that a huge one goes to the exact check, which reports that.
      return budget - value.toString().length;
    default:
      // undefined, a function, a symbol: `null` in an array, left out of an object.
      return budget - 4;
  }
}

/** Printable ASCII, tab, line feed and carriage return: at most 2 bytes each in JSON (`\"`, `\\`, `\n`). */
const twoBytesAtMost = /^[\t\n\r\x20-\x7e]*$/;

/**
 * A long string worth a closer look: text (printable ASCII and line breaks) is bounded
 * at 2 bytes a character instead of 6, which keeps a 100 KB text body from looking like
 * 600 KB. A short one is not worth the regular expression.
 */
function stringBound(value: string): number {
  const length = value.length;
  return length > 256 && twoBytesAtMost.test(value) ? length * 2 + 2 : length * 6 + 2;
}

/** Small integers by their digits (arrays of ids, counts); anything else at the longest a double prints. */
function numberBound(value: number): number {
  const magnitude = value < 0 ? -value : value;
  if (magnitude >= 1e6 || !Number.isInteger(magnitude)) return 24;
  const digits = magnitude < 10 ? 1 : magnitude < 100 ? 2 : magnitude < 1_000 ? 3 : magnitude < 10_000 ? 4 : magnitude < 100_000 ? 5 : 6;
  return value < 0 ? digits + 1 : digits;
}

function remainingOfObject(value: object, budget: number, depth: number): number {
  if (depth >= maxDepth) return -1;
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    // What JSON.stringify serializes instead (a Date's ISO string, say).
    let replaced: unknown;
    try {
      replaced = toJSON.call(value, '');
    } catch {
      return -1;
    }
    return remaining(replaced, budget, depth + 1);
  }
  if (Array.isArray(value)) {
    // Brackets and commas.
    let left = budget - value.length - 2;
    for (let index = 0; index < value.length && left >= 0; index++) left = remaining(value[index], left, depth + 1);
    return left;
  }
  let left = budget - 2;
  // `for...in` also sees inherited enumerable keys JSON.stringify skips: that only raises the bound.
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    // Quotes, colon and comma.
    left = remaining(item, left - key.length * 6 - 4, depth + 1);
    if (left < 0) return left;
  }
  return left;
}
