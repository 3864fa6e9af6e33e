import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId } from '../ids';

/** A stored blob: its id in the store, its size, and the SHA-256 of its bytes (lowercase hex). */
export interface BlobInfo {
  id: string;
  bytes: number;
  sha256: string;
}

/**
 * Where payloads too large for the event log live (step outputs, trigger inputs).
 * Content-addressed: a blob's id is the SHA-256 of its bytes (64 lowercase hex
 * characters), so storing the same bytes twice for a tenant stores them once. Every
 * call is scoped by tenant: a tenant never reads, lists or deletes another's blobs,
 * even one with the same content.
 *
 * Ids that are not 64 lowercase hex characters, and an empty tenant id, are rejected
 * with a `PipewrightError` (`invalid_input`) before the store is touched: ids may come
 * from an event log a user can write to, and some adapters turn them into paths.
 *
 * The engine never deletes blobs: one blob may back the same content in several runs
 * (and in reruns, which reuse outputs). Deleting is the host's retention decision.
 */
export interface BlobStore {
  /** Stores the bytes, unless the tenant already has them, and describes the blob. */
  put(tenantId: TenantId, data: Uint8Array): Promise<BlobInfo>;
  /** The blob's bytes, or undefined when the tenant has no such blob. */
  get(tenantId: TenantId, id: string): Promise<Uint8Array | undefined>;
  /** Describes a blob without reading it, or undefined when the tenant has no such blob. */
  stat(tenantId: TenantId, id: string): Promise<BlobInfo | undefined>;
  /** Deletes a blob; whether there was one. */
  delete(tenantId: TenantId, id: string): Promise<boolean>;
}

const blobIdPattern = /^[0-9a-f]{64}$/;

/** Whether `id` has the shape of a blob id: a SHA-256 in lowercase hex. */
export function isBlobId(id: unknown): id is string {
  return typeof id === 'string' && blobIdPattern.test(id);
}

/** Throws `invalid_input` unless `id` is a blob id. Adapters call it before using an id. */
export function assertBlobId(id: string): void {
  if (!isBlobId(id)) throw new PipewrightError('invalid_input', 'A blob id is a SHA-256 in lowercase hex (64 characters)', { details: { id: String(id).slice(0, 100) } });
}

/** Throws `invalid_input` for an empty tenant id. Adapters call it before using a tenant id. */
export function assertBlobTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || tenantId === '') throw new PipewrightError('invalid_input', 'A blob store call needs a tenant id');
}

const hexDigits = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * The SHA-256 of `data` in lowercase hex, with Web Crypto: the id a content-addressed
 * blob store gives those bytes.
 *
 * @example
 * ```ts
 * const id = await sha256Hex(new TextEncoder().encode('{}'));
 * ```
 */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += hexDigits[byte] as string;
  return hex;
}
