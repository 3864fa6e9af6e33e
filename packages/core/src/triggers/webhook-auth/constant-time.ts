/**
 * Compares two byte strings in a time that depends only on their length, so a forger
 * cannot learn a valid signature byte by byte from response times. A signature's length
 * is public, so different lengths return false at once.
 *
 * @example
 * timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  // No early exit: every byte is visited whatever the first difference is.
  for (let index = 0; index < a.length; index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}
