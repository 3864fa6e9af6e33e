import { timingSafeEqual } from './constant-time';
import { webhookKeys } from './key-cache';

const encoder = new TextEncoder();

export function importHmacKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  // `verify` too: jose checks the usage when the same key verifies an HS256 token.
  return globalThis.crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/**
 * The key of schemes that use the secret as typed (GitHub, Stripe, generic HMAC, JWT
 * HS256): its UTF-8 bytes. An empty secret gives no key, so a misconfigured trigger
 * accepts nothing rather than everything signed with the empty key.
 */
export function utf8SecretKey(secret: string): Promise<CryptoKey | undefined> {
  if (secret === '') return Promise.resolve(undefined);
  return webhookKeys.get(`utf8:${secret}`, () => importHmacKey(encoder.encode(secret)));
}

function isArrayBufferBacked(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}

/** Web Crypto takes no views of a SharedArrayBuffer; such a body (rare) is copied. */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return isArrayBufferBacked(bytes) ? bytes : new Uint8Array(bytes);
}

export async function hmacSha256(key: CryptoKey, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, asBufferSource(data)));
}

/**
 * Whether any presented signature is the HMAC of `data` under any of the keys. The MAC
 * is computed once per key and compared in constant time with each candidate, rather
 * than calling `subtle.verify` once per (key, candidate) pair.
 */
export async function signedByAny(keys: readonly Promise<CryptoKey | undefined>[], data: Uint8Array, signatures: readonly Uint8Array[]): Promise<boolean> {
  if (signatures.length === 0) return false;
  const content = asBufferSource(data);
  for (const pending of keys) {
    const key = await pending;
    if (key === undefined) continue;
    const expected = await hmacSha256(key, content);
    for (const signature of signatures) if (timingSafeEqual(expected, signature)) return true;
  }
  return false;
}
