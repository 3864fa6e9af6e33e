import { afterEach, beforeEach, describe, expect } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { asTenantId, newId, type TenantId } from '../ids';
import type { BlobStore } from '../ports/blob-store';
import { contractCases } from './contract-cases';
import { rejection } from './rejection';

export interface BlobStoreContractOptions {
  /** Names the adapter in the test titles. */
  name: string;
  /** A store for one test case; an empty one, or one no other case uses the tenants of. */
  create: () => BlobStore | Promise<BlobStore>;
  /** Called after each case. */
  destroy?: (store: BlobStore) => Promise<void> | void;
  /** Cases this adapter cannot pass, by name, with the reason; they show up as skipped. */
  skip?: Partial<Record<string, string>>;
}

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);
const newTenant = (): TenantId => asTenantId(newId('tenant'));
/** SHA-256 of the UTF-8 bytes of "hello", from `sha256sum`. */
const helloSha256 = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

/** Byte-wise equality; vitest's deep equality takes seconds on a blob of a few MB. */
function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (actual === undefined || actual.byteLength !== expected.byteLength) return false;
  for (let index = 0; index < expected.byteLength; index++) if (actual[index] !== expected[index]) return false;
  return true;
}

function expectInvalidInput(error: unknown): void {
  expect(PipewrightError.is(error)).toBe(true);
  expect((error as PipewrightError).code).toBe('invalid_input');
}

/**
 * The behaviour every `BlobStore` adapter must have. Call it from a test file of the
 * adapter.
 *
 * @example
 * ```ts
 * blobStoreContract({ name: 'memory', create: () => createMemoryBlobStore() });
 * ```
 */
export function blobStoreContract(options: BlobStoreContractOptions): void {
  const cases = contractCases(options.skip ?? {});

  describe(`BlobStore contract: ${options.name}`, () => {
    let store: BlobStore | undefined;
    const use = (): BlobStore => {
      if (store === undefined) throw new Error('The store was not created');
      return store;
    };

    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      if (store !== undefined) await options.destroy?.(store);
      store = undefined;
    });

    const contractCase = (name: string, body: (store: BlobStore) => Promise<void>): void => cases.define(name, () => body(use()));

    contractCase('put returns the content address and get returns the same bytes', async (store) => {
      const tenantId = newTenant();
      const info = await store.put(tenantId, bytesOf('hello'));
      expect(info).toEqual({ id: helloSha256, bytes: 5, sha256: helloSha256 });
      expect(await store.get(tenantId, info.id)).toEqual(bytesOf('hello'));
      expect(await store.stat(tenantId, info.id)).toEqual(info);
    });

    contractCase('round-trips every byte value, an empty blob and a large one', async (store) => {
      const tenantId = newTenant();
      const everyByte = Uint8Array.from({ length: 256 }, (_, index) => index);
      const large = Uint8Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, index) => (index * 31) % 251);
      for (const data of [everyByte, new Uint8Array(0), large]) {
        const info = await store.put(tenantId, data);
        expect(info.bytes).toBe(data.byteLength);
        const read = await store.get(tenantId, info.id);
        expect(read?.byteLength).toBe(data.byteLength);
        expect(sameBytes(read, data)).toBe(true);
      }
    });

    contractCase('stores identical content once', async (store) => {
      const tenantId = newTenant();
      const [first, second] = await Promise.all([store.put(tenantId, bytesOf('same')), store.put(tenantId, bytesOf('same'))]);
      const third = await store.put(tenantId, bytesOf('same'));
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      const other = await store.put(tenantId, bytesOf('different'));
      expect(other.id).not.toBe(first.id);
      // One copy: a single delete removes it.
      expect(await store.delete(tenantId, first.id)).toBe(true);
      expect(await store.get(tenantId, first.id)).toBeUndefined();
      expect(await store.delete(tenantId, first.id)).toBe(false);
      expect(await store.get(tenantId, other.id)).toEqual(bytesOf('different'));
    });

    contractCase('keeps what it stored when the caller changes its buffers', async (store) => {
      const tenantId = newTenant();
      const data = bytesOf('hello');
      const info = await store.put(tenantId, data);
      data[0] = 0;
      const read = await store.get(tenantId, info.id);
      expect(read).toEqual(bytesOf('hello'));
      if (read) read[0] = 0;
      expect(await store.get(tenantId, info.id)).toEqual(bytesOf('hello'));
    });

    contractCase('keeps tenants apart, even for the same content', async (store) => {
      const a = newTenant();
      const b = newTenant();
      const info = await store.put(a, bytesOf('hello'));
      expect(await store.get(b, info.id)).toBeUndefined();
      expect(await store.stat(b, info.id)).toBeUndefined();
      expect(await store.delete(b, info.id)).toBe(false);
      expect(await store.get(a, info.id)).toEqual(bytesOf('hello'));

      expect(await store.put(b, bytesOf('hello'))).toEqual(info);
      expect(await store.delete(a, info.id)).toBe(true);
      expect(await store.get(a, info.id)).toBeUndefined();
      expect(await store.get(b, info.id)).toEqual(bytesOf('hello'));
    });

    contractCase('accepts tenant ids with path characters and keeps them apart', async (store) => {
      const suffix = newId('t');
      const tenants = [suffix, `../${suffix}`, `${suffix}/..`, `${suffix}/x`, `${suffix}\\x`, `.${suffix}`, `${suffix.toUpperCase()}`, `${suffix} é`].map(asTenantId);
      const infos = await Promise.all(tenants.map((tenantId, index) => store.put(tenantId, bytesOf(`content ${index}`))));
      for (const [index, tenantId] of tenants.entries()) {
        for (const [other, info] of infos.entries()) {
          expect(await store.get(tenantId, info.id)).toEqual(other === index ? bytesOf(`content ${index}`) : undefined);
        }
      }
    });

    contractCase('answers a missing id with undefined and false', async (store) => {
      const tenantId = newTenant();
      const missing = 'a'.repeat(64);
      expect(await store.get(tenantId, missing)).toBeUndefined();
      expect(await store.stat(tenantId, missing)).toBeUndefined();
      expect(await store.delete(tenantId, missing)).toBe(false);
    });

    contractCase('rejects ids that are not a lowercase SHA-256 with invalid_input', async (store) => {
      const tenantId = newTenant();
      await store.put(tenantId, bytesOf('hello'));
      const invalid = [
        '',
        '../../etc/passwd',
        `../${helloSha256.slice(3)}`,
        helloSha256.toUpperCase(),
        helloSha256.slice(1),
        `${helloSha256}0`,
        `${helloSha256.slice(0, 63)}/`,
        `${helloSha256.slice(0, 62)}\0a`,
      ];
      for (const id of invalid) {
        expectInvalidInput(await rejection(store.get(tenantId, id)));
        expectInvalidInput(await rejection(store.stat(tenantId, id)));
        expectInvalidInput(await rejection(store.delete(tenantId, id)));
      }
      expect(await store.get(tenantId, helloSha256)).toEqual(bytesOf('hello'));
    });

    contractCase('rejects an empty tenant id with invalid_input', async (store) => {
      const empty = asTenantId('');
      expectInvalidInput(await rejection(store.put(empty, bytesOf('hello'))));
      expectInvalidInput(await rejection(store.get(empty, helloSha256)));
      expectInvalidInput(await rejection(store.stat(empty, helloSha256)));
      expectInvalidInput(await rejection(store.delete(empty, helloSha256)));
    });

    cases.checkSkips();
  });
}
