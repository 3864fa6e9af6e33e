import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { decodeBase64, encodeBase64 } from './base64';

/**
 * Wraps and unwraps data keys with key-encryption keys (KEKs). A host can implement
 * this over its KMS.
 *
 * Key ids are written into sealed secrets in the clear, so they must match
 * `[A-Za-z0-9_-]{1,64}`. An implementation must authenticate the wrap and bind it to
 * both the key id and `context` (AES-GCM additional data, KMS encryption context), so
 * that a wrapped key moved to another secret, or relabelled with another key id,
 * fails to unwrap.
 *
 * @example
 * ```ts
 * const keys: KeyEncryptionKeys = parseKeyRing(`k1:${generateKeyEncryptionKey()}`);
 * const { keyId, wrapped } = await keys.wrap(new Uint8Array(32), 'pw1:connection:t1:c1');
 * await keys.unwrap(keyId, wrapped, 'pw1:connection:t1:c1');
 * ```
 */
export interface KeyEncryptionKeys {
  /** Id of the key new data keys are wrapped with. */
  activeKeyId(): string;
  wrap(dataKey: Uint8Array, context: string): Promise<{ keyId: string; wrapped: Uint8Array }>;
  /** Throws PipewrightError 'unknown_key' for a key it doesn't hold, 'secret_tampered' when the wrap fails authentication. */
  unwrap(keyId: string, wrapped: Uint8Array, context: string): Promise<Uint8Array>;
}

export interface LocalKeyRingOptions {
  /** Key id -> 32-byte key, base64 (standard or url-safe) or bytes. */
  keys: Record<string, string | Uint8Array>;
  /** Defaults to the first key id. */
  activeKeyId?: string;
}

/**
 * A key ring the host configured wrongly (bad id, key of the wrong length, empty
 * text). Not a PipewrightError: it is a mistake to fix before start-up, not a runtime
 * condition to match on. The issues name keys by id or position, never by value.
 */
export class KeyRingConfigError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`Invalid key ring: ${issues.join('; ')}`);
    this.name = 'KeyRingConfigError';
    this.issues = issues;
  }
}

/** What a key id must look like: it sits between the dots of a sealed secret. */
export const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

const keyIdSchema = z.string().regex(keyIdPattern);
const keyMaterialSchema = z.union([z.string(), z.instanceof(Uint8Array)]);
const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const keyIdRule = 'must be 1-64 characters of A-Z, a-z, 0-9, "_" and "-"';

interface KeyEntry {
  /** How issues refer to the entry; never the key itself. */
  label: string;
  id: string;
  material: unknown;
}

interface CheckedRing {
  keys: Map<string, Uint8Array<ArrayBuffer>>;
  activeKeyId: string;
}

function checkKeys(entries: KeyEntry[], issues: string[]): Map<string, Uint8Array<ArrayBuffer>> {
  const keys = new Map<string, Uint8Array<ArrayBuffer>>();
  if (entries.length === 0) issues.push('no keys: the ring needs at least one key');
  for (const entry of entries) {
    const id = keyIdSchema.safeParse(entry.id);
    if (!id.success) {
      issues.push(`${entry.label}: key id ${keyIdRule}`);
      continue;
    }
    const material = keyMaterialSchema.safeParse(entry.material);
    if (!material.success) {
      issues.push(`${entry.label}: key must be a base64 string or a Uint8Array`);
      continue;
    }
    const bytes = typeof material.data === 'string' ? decodeBase64(material.data.trim()) : new Uint8Array(material.data);
    if (bytes === undefined) issues.push(`${entry.label}: key is not valid base64`);
    else if (bytes.length !== keyBytes) issues.push(`${entry.label}: key must be ${keyBytes} bytes, got ${bytes.length}`);
    else keys.set(id.data, bytes);
  }
  return keys;
}

// JavaScript lists integer-like object keys first, in numeric order, whatever order
// they were written in: with ids "2" and "1", "the first key id" would be the old one.
const integerLike = /^(0|[1-9][0-9]*)$/;

function activeKeyIdOf(ids: string[], activeKeyId: unknown, issues: string[]): string {
  if (activeKeyId === undefined) {
    if (ids.length > 1 && ids.some((id) => integerLike.test(id))) {
      issues.push('activeKeyId is required when key ids are integers: JavaScript reorders such object keys, so "the first key" is ambiguous');
    }
    return ids[0] ?? '';
  }
  const parsed = keyIdSchema.safeParse(activeKeyId);
  if (!parsed.success) issues.push(`activeKeyId ${keyIdRule}`);
  else if (!ids.includes(parsed.data)) issues.push(`activeKeyId "${parsed.data}" is not one of the key ids`);
  return parsed.data ?? '';
}

function throwIfAny(issues: string[], ring: CheckedRing): void {
  if (issues.length === 0) return;
  for (const bytes of ring.keys.values()) bytes.fill(0);
  throw new KeyRingConfigError(issues);
}

function wrapAdditionalData(keyId: string, context: string): Uint8Array<ArrayBuffer> {
  // The id comes first and cannot contain ":", so no (id, context) pair collides with another.
  return new TextEncoder().encode(`pipewright-kek:${keyId}:${context}`);
}

class LocalKeyRing implements KeyEncryptionKeys {
  /** Raw keys not imported yet; each is zeroed and dropped once its CryptoKey exists. */
  readonly #raw: Map<string, Uint8Array<ArrayBuffer>>;
  readonly #imported = new Map<string, Promise<CryptoKey>>();
  readonly #activeKeyId: string;

  constructor(ring: CheckedRing) {
    this.#raw = ring.keys;
    this.#activeKeyId = ring.activeKeyId;
  }

  activeKeyId(): string {
    return this.#activeKeyId;
  }

  async wrap(dataKey: Uint8Array, context: string): Promise<{ keyId: string; wrapped: Uint8Array }> {
    const keyId = this.#activeKeyId;
    const key = await this.#key(keyId);
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivBytes));
    const plain = new Uint8Array(dataKey);
    try {
      const sealed = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: wrapAdditionalData(keyId, context) }, key, plain);
      const wrapped = new Uint8Array(ivBytes + sealed.byteLength);
      wrapped.set(iv);
      wrapped.set(new Uint8Array(sealed), ivBytes);
      return { keyId, wrapped };
    } finally {
      plain.fill(0);
    }
  }

  async unwrap(keyId: string, wrapped: Uint8Array, context: string): Promise<Uint8Array> {
    const key = await this.#key(keyId);
    if (wrapped.length < ivBytes + tagBytes) throw tamperedWrap();
    try {
      const plain = await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: new Uint8Array(wrapped.subarray(0, ivBytes)), additionalData: wrapAdditionalData(keyId, context) },
        key,
        new Uint8Array(wrapped.subarray(ivBytes)),
      );
      return new Uint8Array(plain);
    } catch (error) {
      throw tamperedWrap(error);
    }
  }

  /** Imports each key once, on first use: importKey is async and the factory is not. */
  #key(keyId: string): Promise<CryptoKey> {
    const cached = this.#imported.get(keyId);
    if (cached) return cached;
    const raw = this.#raw.get(keyId);
    if (!raw) {
      return Promise.reject(new PipewrightError('unknown_key', `The key ring has no key "${keyId}"`, { details: { keyId } }));
    }
    const imported = globalThis.crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']).then(
      (key) => {
        raw.fill(0);
        this.#raw.delete(keyId);
        return key;
      },
      (error: unknown) => {
        // Keep the raw key so the next call can try again.
        this.#imported.delete(keyId);
        throw error;
      },
    );
    this.#imported.set(keyId, imported);
    return imported;
  }
}

function tamperedWrap(cause?: unknown): PipewrightError {
  return new PipewrightError('secret_tampered', 'The wrapped data key failed authentication: it, its key id or its associated data was altered', cause === undefined ? {} : { cause });
}

/**
 * KEKs held in memory (from the host's env or secret manager); wraps with AES-256-GCM.
 * Validates with zod: key ids [A-Za-z0-9_-]{1,64}, keys exactly 32 bytes, activeKeyId
 * present. Throws a KeyRingConfigError listing every problem.
 *
 * @example
 * ```ts
 * const keys = createLocalKeyRing({ keys: { k2: generateKeyEncryptionKey(), k1: generateKeyEncryptionKey() }, activeKeyId: 'k2' });
 * keys.activeKeyId(); // 'k2'
 * ```
 */
export function createLocalKeyRing(options: LocalKeyRingOptions): KeyEncryptionKeys {
  const issues: string[] = [];
  const rawKeys: unknown = typeof options === 'object' && options !== null ? options.keys : undefined;
  const entries: KeyEntry[] = [];
  if (typeof rawKeys !== 'object' || rawKeys === null) issues.push('keys must be an object of key id -> key');
  else {
    let position = 0;
    for (const [id, material] of Object.entries(rawKeys)) {
      position++;
      entries.push({ label: keyIdPattern.test(id) ? `key "${id}"` : `key #${position}`, id, material });
    }
  }
  const keys = checkKeys(entries, issues);
  const activeKeyId = activeKeyIdOf(
    entries.map((entry) => entry.id),
    options?.activeKeyId,
    issues,
  );
  const ring = { keys, activeKeyId };
  throwIfAny(issues, ring);
  return new LocalKeyRing(ring);
}

/**
 * Parses "k2:<base64>,k1:<base64>" (first is active), e.g. from an env variable.
 * Throws a KeyRingConfigError; its issues name entries by position only, since text
 * pasted the wrong way round would put a key where the id belongs.
 *
 * @example
 * ```ts
 * const keys = parseKeyRing(`k2:${generateKeyEncryptionKey()},k1:${generateKeyEncryptionKey()}`);
 * keys.activeKeyId(); // 'k2'
 * ```
 */
export function parseKeyRing(text: string): KeyEncryptionKeys {
  const issues: string[] = [];
  const entries: KeyEntry[] = [];
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (trimmed === '') {
    issues.push('the key ring text is empty: expected "<id>:<base64 key>,<id>:<base64 key>", the active key first');
    throw new KeyRingConfigError(issues);
  }
  const seen = new Map<string, number>();
  trimmed.split(',').forEach((part, index) => {
    const label = `entry ${index + 1}`;
    const entry = part.trim();
    const colon = entry.indexOf(':');
    if (entry === '') {
      issues.push(`${label} is empty`);
      return;
    }
    if (colon < 0) {
      issues.push(`${label} is not "<id>:<base64 key>"`);
      return;
    }
    const id = entry.slice(0, colon).trim();
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      issues.push(`${label} repeats the key id of entry ${earlier}`);
      return;
    }
    seen.set(id, index + 1);
    entries.push({ label, id, material: entry.slice(colon + 1).trim() });
  });
  // The text's order is explicit, so its first entry is the active key; an invalid first id is already an issue.
  const ring = { keys: checkKeys(entries, issues), activeKeyId: entries[0]?.id ?? '' };
  throwIfAny(issues, ring);
  return new LocalKeyRing(ring);
}

/**
 * A fresh random 32-byte key, base64, for docs and tests.
 *
 * @example
 * ```ts
 * const env = `k1:${generateKeyEncryptionKey()}`;
 * ```
 */
export function generateKeyEncryptionKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(keyBytes));
  try {
    return encodeBase64(bytes);
  } finally {
    bytes.fill(0);
  }
}
