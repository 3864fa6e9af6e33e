import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
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

/**
 * HMAC-SHA256, computed synchronously. Web Crypto's `sign` is asynchronous and queues on
 * the thread pool: on the ingress path, where a request also waits for its database
 * write, that hop cost more than the hash, so the hot schemes use @noble/hashes.
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

/** The UTF-8 bytes of a secret used as typed (GitHub, Stripe, generic HMAC); none for the empty secret. */
export function utf8SecretBytes(secret: string): Uint8Array | undefined {
  return secret === '' ? undefined : encoder.encode(secret);
}

/**
 * Whether any presented signature is the HMAC of `data` under any of the keys. The MAC
 * is computed once per key and compared in constant time with each candidate.
 */
export function signedByAny(keys: readonly (Uint8Array | undefined)[], data: Uint8Array, signatures: readonly Uint8Array[]): boolean {
  if (signatures.length === 0) return false;
  for (const key of keys) {
    if (key === undefined) continue;
    const expected = hmacSha256(key, data);
    for (const signature of signatures) if (timingSafeEqual(expected, signature)) return true;
  }
  return false;
}
