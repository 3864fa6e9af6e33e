import type { TenantId } from '../ids';
import { assertBlobId, assertBlobTenantId, sha256Hex, type BlobInfo, type BlobStore } from './blob-store';

/** The in-memory blob store, with a look inside for tests. */
export interface MemoryBlobStore extends BlobStore {
  /** The tenant's blobs, in the order they were first stored. */
  list(tenantId: TenantId): BlobInfo[];
}

/**
 * A `BlobStore` in this process's memory: the default of an engine that keeps its runs
 * in memory too. Bytes are copied in and out, so callers cannot change a stored blob.
 *
 * @example
 * ```ts
 * const blobs = createMemoryBlobStore();
 * const engine = createEngine({ registry, blobs });
 * ```
 */
export function createMemoryBlobStore(): MemoryBlobStore {
  const tenants = new Map<TenantId, Map<string, Uint8Array>>();

  return {
    async put(tenantId, data) {
      assertBlobTenantId(tenantId);
      const sha256 = await sha256Hex(data);
      let blobs = tenants.get(tenantId);
      if (blobs === undefined) {
        blobs = new Map();
        tenants.set(tenantId, blobs);
      }
      if (!blobs.has(sha256)) blobs.set(sha256, data.slice());
      return { id: sha256, bytes: data.byteLength, sha256 };
    },

    async get(tenantId, id) {
      assertBlobTenantId(tenantId);
      assertBlobId(id);
      return tenants.get(tenantId)?.get(id)?.slice();
    },

    async stat(tenantId, id) {
      assertBlobTenantId(tenantId);
      assertBlobId(id);
      const data = tenants.get(tenantId)?.get(id);
      return data === undefined ? undefined : { id, bytes: data.byteLength, sha256: id };
    },

    async delete(tenantId, id) {
      assertBlobTenantId(tenantId);
      assertBlobId(id);
      return tenants.get(tenantId)?.delete(id) ?? false;
    },

    list(tenantId) {
      return [...(tenants.get(tenantId) ?? new Map<string, Uint8Array>())].map(([id, data]) => ({ id, bytes: data.byteLength, sha256: id }));
    },
  };
}
