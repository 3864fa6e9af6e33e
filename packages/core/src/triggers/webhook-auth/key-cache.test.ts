import { describe, expect, it } from 'vitest';
import { KeyCache } from './key-cache';

async function hmacKey(): Promise<CryptoKey> {
  return await globalThis.crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

describe('KeyCache', () => {
  it('imports a key once for concurrent and later requests', async () => {
    const cache = new KeyCache(10);
    let loads = 0;
    const load = async () => {
      loads++;
      return await hmacKey();
    };
    const [first, second] = await Promise.all([cache.get('a', load), cache.get('a', load)]);
    expect(await cache.get('a', load)).toBe(first);
    expect(second).toBe(first);
    expect(loads).toBe(1);
  });

  it('stays within its bound, dropping the least recently used key', async () => {
    const cache = new KeyCache(2);
    const loads: string[] = [];
    const loader = (id: string) => async () => {
      loads.push(id);
      return await hmacKey();
    };
    await cache.get('a', loader('a'));
    await cache.get('b', loader('b'));
    await cache.get('a', loader('a'));
    await cache.get('c', loader('c'));
    expect(cache.size).toBe(2);
    await cache.get('a', loader('a'));
    await cache.get('b', loader('b'));
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('does not remember a failed import', async () => {
    const cache = new KeyCache(10);
    await expect(cache.get('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(cache.get('a', hmacKey)).resolves.toBeDefined();
  });

  it('remembers a secret that gives no key', async () => {
    const cache = new KeyCache(10);
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve(undefined);
    };
    expect(await cache.get('bad', load)).toBeUndefined();
    expect(await cache.get('bad', load)).toBeUndefined();
    expect(loads).toBe(1);
  });
});
