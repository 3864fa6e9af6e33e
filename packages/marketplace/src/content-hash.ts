import { canonicalJson } from './canonical-json';

/** A content address: `sha256:` and 64 lower-case hex digits. */
export type ContentHash = `sha256:${string}`;

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Hashes a JSON value: SHA-256 over the UTF-8 bytes of its RFC 8785 canonical form, as
 * `sha256:<hex>`. Templates and declarative connectors are addressed by this hash, so the
 * same content gets the same hash wherever it was serialised, and any change to it gets a
 * new one. Uses Web Crypto, so it runs on Node, Deno, Bun, edge runtimes and in browsers.
 *
 * Rejects (with {@link MarketplaceError}, code `not_json`, listing every offending path)
 * values without an exact JSON form: `undefined` as the value or an array element,
 * functions, symbols, BigInts, `NaN` and `±Infinity`, strings with lone surrogates,
 * objects that are not plain (`Date`, `Map`, class instances), values with a `toJSON`
 * method, and cycles. Object properties whose value is `undefined` are left out.
 *
 * @example
 * ```ts
 * const a = await contentHash({ name: 'Welcome email', version: 2 });
 * const b = await contentHash(JSON.parse('{ "version": 2, "name": "Welcome email" }'));
 * a === b; // true
 * ```
 */
export async function contentHash(value: unknown): Promise<ContentHash> {
  const bytes = new TextEncoder().encode(canonicalJson(value));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return `sha256:${toHex(new Uint8Array(digest))}`;
}
