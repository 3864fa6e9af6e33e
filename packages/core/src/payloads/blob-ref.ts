import { isBlobId, type BlobInfo } from '../ports/blob-store';

/**
 * What the event log holds in place of a payload kept in the blob store: the blob's
 * id, its size in bytes and its SHA-256. Run views (`engine.runs.get`) show it as is;
 * `engine.runs.output` reads the value behind it.
 */
export interface BlobRef {
  readonly $blob: { readonly id: string; readonly bytes: number; readonly sha256: string };
}

/** The marker the engine writes for a blob. */
export function blobRefOf(info: BlobInfo): BlobRef {
  return { $blob: { id: info.id, bytes: info.bytes, sha256: info.sha256 } };
}

/**
 * Whether a value is a blob reference: an object whose only key is `$blob`, holding
 * exactly a blob id, a byte count and a SHA-256. The shape is strict so that user data
 * that merely has a `$blob` key is not taken for one.
 *
 * @example
 * ```ts
 * const view = await engine.runs.get(ctx, runId);
 * const output = view.steps[1]?.output;
 * if (isBlobRef(output)) console.log(`offloaded, ${output.$blob.bytes} bytes`);
 * ```
 */
export function isBlobRef(value: unknown): value is BlobRef {
  // The cheap test first: this runs on every payload of every event a worker loads.
  if (typeof value !== 'object' || value === null || !('$blob' in value)) return false;
  const blob = value.$blob;
  if (typeof blob !== 'object' || blob === null) return false;
  let keys = 0;
  for (const key in value) if (key !== '$blob' || ++keys > 1) return false;
  let fields = 0;
  for (const key in blob) {
    if (key !== 'id' && key !== 'bytes' && key !== 'sha256') return false;
    fields++;
  }
  const { id, bytes, sha256 } = blob as { id?: unknown; bytes?: unknown; sha256?: unknown };
  return fields === 3 && isBlobId(id) && isBlobId(sha256) && typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0;
}
