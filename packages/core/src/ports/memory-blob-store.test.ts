import { describe, expect, it } from 'vitest';
import { asTenantId } from '../ids';
import { blobStoreContract } from '../testing/blob-store-contract';
import { sha256Hex } from './blob-store';
import { createMemoryBlobStore } from './memory-blob-store';

blobStoreContract({ name: 'memory', create: () => createMemoryBlobStore() });

describe('createMemoryBlobStore', () => {
  it('lists a tenant\'s blobs, each once', async () => {
    const blobs = createMemoryBlobStore();
    const tenantId = asTenantId('t1');
    const data = new TextEncoder().encode('{"a":1}');
    await blobs.put(tenantId, data);
    await blobs.put(tenantId, data);
    const sha256 = await sha256Hex(data);
    expect(blobs.list(tenantId)).toEqual([{ id: sha256, bytes: data.byteLength, sha256 }]);
    expect(blobs.list(asTenantId('t2'))).toEqual([]);
  });
});
