import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertBlobId, assertBlobTenantId, sha256Hex, type BlobInfo, type BlobStore, type TenantId } from '@pipewright/core';
import { tenantDirectory } from './tenant-directory';

export interface FsBlobStoreOptions {
  /** The directory the blobs live under, created when missing. */
  directory: string;
}

/** Whether a file system error says the file (or a directory on its path) is not there. */
function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A `BlobStore` on the local file system, for one machine (or a shared volume):
 * `<directory>/<tenant>/<first two hex digits of the id>/<id>`. The tenant part is the
 * tenant id when that is a safe name, else derived from it (see `tenantDirectory`);
 * ids are checked to be SHA-256 hex before they touch a path. So no id, however
 * crafted, leads outside the tenant's directory.
 *
 * A blob is written to a temporary file beside its final place, flushed to disk, and
 * renamed into place: readers never see half a blob, and a crash leaves at worst a
 * `.tmp` file behind, never a damaged blob. Two processes storing the same content at
 * once both succeed; the content is the same either way.
 *
 * @example
 * ```ts
 * const engine = createEngine({ registry, store, blobs: createFsBlobStore({ directory: '.data/blobs' }) });
 * ```
 */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const root = resolve(options.directory);

  function pathOf(tenantId: TenantId, id: string): { directory: string; file: string } {
    assertBlobTenantId(tenantId);
    assertBlobId(id);
    const directory = join(root, tenantDirectory(tenantId), id.slice(0, 2));
    return { directory, file: join(directory, id) };
  }

  async function statOf(tenantId: TenantId, id: string): Promise<BlobInfo | undefined> {
    const { file } = pathOf(tenantId, id);
    try {
      const stats = await stat(file);
      return stats.isFile() ? { id, bytes: stats.size, sha256: id } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    async put(tenantId, data) {
      assertBlobTenantId(tenantId);
      const id = await sha256Hex(data);
      const info: BlobInfo = { id, bytes: data.byteLength, sha256: id };
      // Content-addressed: the same id is the same bytes, so there is nothing to write.
      if ((await statOf(tenantId, id)) !== undefined) return info;
      const { directory, file } = pathOf(tenantId, id);
      await mkdir(directory, { recursive: true });
      const temporary = join(directory, `.${id}.${randomUUID()}.tmp`);
      try {
        const handle = await open(temporary, 'wx');
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        // Windows does not rename over an existing file: another writer got there first, with the same bytes.
        if ((await statOf(tenantId, id))?.bytes === data.byteLength) return info;
        throw error;
      }
      return info;
    },

    async get(tenantId, id) {
      const { file } = pathOf(tenantId, id);
      try {
        const buffer = await readFile(file);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    stat: statOf,

    async delete(tenantId, id) {
      const { file } = pathOf(tenantId, id);
      try {
        await unlink(file);
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
  };
}
