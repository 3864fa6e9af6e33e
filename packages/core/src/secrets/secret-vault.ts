import { PipewrightError } from '../errors/pipewright-error';
import { decodeBase64UrlStrict, encodeBase64Url } from './base64';
import { KeyRingConfigError, keyIdPattern, type KeyEncryptionKeys } from './key-ring';

/** A sealed secret and the key id its data key is wrapped with (stored beside it, to find rows to rotate). */
export interface SealedSecret {
  sealed: string;
  keyId: string;
}

const version = 'pw1';
const dataKeyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;

interface Envelope {
  keyId: string;
  wrapped: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
  /** The iv and ciphertext segments as written, which a rewrap carries over untouched. */
  payload: string;
}

function malformed(): PipewrightError {
  return new PipewrightError('secret_tampered', `The sealed secret is malformed: expected "${version}.<key id>.<wrapped key>.<iv>.<ciphertext>"`);
}

function tampered(cause?: unknown): PipewrightError {
  return new PipewrightError(
    'secret_tampered',
    'The sealed secret failed authentication: its ciphertext, iv, wrapped key or associated data was altered',
    cause === undefined ? {} : { cause },
  );
}

/** Reads `pw1.<keyId>.<wrapped>.<iv>.<ciphertext>`; anything off by one character is malformed, not guessed at. */
function parseEnvelope(sealed: string): Envelope {
  if (typeof sealed !== 'string') throw malformed();
  const parts = sealed.split('.');
  if (parts.length !== 5) throw malformed();
  const [prefix = '', keyId = '', wrappedText = '', ivText = '', ciphertextText = ''] = parts;
  if (prefix !== version || !keyIdPattern.test(keyId)) throw malformed();
  const wrapped = decodeBase64UrlStrict(wrappedText);
  const iv = decodeBase64UrlStrict(ivText);
  const ciphertext = decodeBase64UrlStrict(ciphertextText);
  if (!wrapped || wrapped.length === 0 || !iv || iv.length !== ivBytes || !ciphertext || ciphertext.length < tagBytes) throw malformed();
  return { keyId, wrapped, iv, ciphertext, payload: `${ivText}.${ciphertextText}` };
}

function formatEnvelope(keyId: string, wrapped: Uint8Array, payload: string): string {
  // A key ring is host code: one that returns an id we cannot write would make secrets nobody can open.
  if (!keyIdPattern.test(keyId)) throw new KeyRingConfigError([`wrap returned key id that is not 1-64 characters of A-Z, a-z, 0-9, "_" and "-"`]);
  if (wrapped.length === 0) throw new KeyRingConfigError([`wrap with key "${keyId}" returned an empty wrapped key`]);
  return `${version}.${keyId}.${encodeBase64Url(wrapped)}.${payload}`;
}

// Both strings carry the envelope version, so a future format cannot be fed a pw1 secret's parts.
function wrapContext(associatedData: string): string {
  return `${version}:${associatedData}`;
}

function contentAdditionalData(associatedData: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${version}:${associatedData}`);
}

function importDataKey(bytes: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', bytes, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/**
 * Envelope encryption for credentials at rest: each secret gets its own AES-256-GCM
 * data key, and only that data key is wrapped with the ring's key-encryption key. So
 * rotating the KEK rewraps 60 bytes per secret and never touches plaintext.
 *
 * @example
 * ```ts
 * const vault = new SecretVault(parseKeyRing(`k1:${generateKeyEncryptionKey()}`));
 * const { sealed } = await vault.seal('s3cr3t', 'connection:tenant-1:conn-1');
 * await vault.open(sealed, 'connection:tenant-1:conn-1'); // 's3cr3t'
 * ```
 */
export class SecretVault {
  readonly #keys: KeyEncryptionKeys;

  constructor(keys: KeyEncryptionKeys) {
    this.#keys = keys;
  }

  get activeKeyId(): string {
    return this.#keys.activeKeyId();
  }

  /** Encrypts with a fresh random data key (AES-256-GCM, 96-bit random iv); `associatedData` (e.g. "connection:<tenant>:<id>") is bound to the ciphertext, so a secret moved to another row fails to open. */
  async seal(plaintext: string, associatedData: string): Promise<SealedSecret> {
    const dataKey = globalThis.crypto.getRandomValues(new Uint8Array(dataKeyBytes));
    const plain = new TextEncoder().encode(plaintext);
    try {
      const key = await importDataKey(dataKey);
      const { keyId, wrapped } = await this.#keys.wrap(dataKey, wrapContext(associatedData));
      // A random 96-bit iv is safe here: each data key encrypts exactly one message.
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivBytes));
      const ciphertext = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: contentAdditionalData(associatedData) }, key, plain));
      return { sealed: formatEnvelope(keyId, wrapped, `${encodeBase64Url(iv)}.${encodeBase64Url(ciphertext)}`), keyId };
    } finally {
      dataKey.fill(0);
      plain.fill(0);
    }
  }

  /** Decrypts a sealed secret; 'secret_tampered' for any failed check, 'unknown_key' when its key left the ring. */
  async open(sealed: string, associatedData: string): Promise<string> {
    const envelope = parseEnvelope(sealed);
    const dataKey = await this.#unwrapDataKey(envelope, associatedData);
    let key: CryptoKey;
    try {
      key = await importDataKey(dataKey);
    } finally {
      dataKey.fill(0);
    }
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: envelope.iv, additionalData: contentAdditionalData(associatedData) }, key, envelope.ciphertext),
      );
    } catch (error) {
      throw tampered(error);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(plain);
    } catch {
      // We only ever seal UTF-8; authentic bytes that are not were not written by a vault.
      throw tampered();
    } finally {
      plain.fill(0);
    }
  }

  /**
   * Unwraps the data key with its key and wraps it with the active key; the ciphertext
   * is unchanged (cheap; no plaintext handled). Returns the same envelope when already
   * on the active key, without checking it: only `open` proves a secret intact.
   */
  async rewrap(sealed: string, associatedData: string): Promise<SealedSecret> {
    const envelope = parseEnvelope(sealed);
    if (envelope.keyId === this.#keys.activeKeyId()) return { sealed, keyId: envelope.keyId };
    const dataKey = await this.#unwrapDataKey(envelope, associatedData);
    try {
      const { keyId, wrapped } = await this.#keys.wrap(dataKey, wrapContext(associatedData));
      return { sealed: formatEnvelope(keyId, wrapped, envelope.payload), keyId };
    } finally {
      dataKey.fill(0);
    }
  }

  /** The key id in an envelope, without decrypting. */
  keyIdOf(sealed: string): string {
    return parseEnvelope(sealed).keyId;
  }

  async #unwrapDataKey(envelope: Envelope, associatedData: string): Promise<Uint8Array<ArrayBuffer>> {
    // Errors from the ring pass through as they are: a KMS outage must not read as tampering.
    const unwrapped = await this.#keys.unwrap(envelope.keyId, envelope.wrapped, wrapContext(associatedData));
    const dataKey = new Uint8Array(unwrapped);
    unwrapped.fill(0);
    if (dataKey.length !== dataKeyBytes) {
      dataKey.fill(0);
      throw tampered();
    }
    return dataKey;
  }
}
