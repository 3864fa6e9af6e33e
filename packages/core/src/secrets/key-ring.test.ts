import { afterEach, describe, expect, it, vi } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { encodeBase64, encodeBase64Url } from './base64';
import { createLocalKeyRing, generateKeyEncryptionKey, KeyRingConfigError, parseKeyRing } from './key-ring';

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

function configError(make: () => unknown): KeyRingConfigError {
  try {
    make();
  } catch (error) {
    if (error instanceof KeyRingConfigError) return error;
    throw error;
  }
  throw new Error('expected a KeyRingConfigError');
}

async function rejection(promise: Promise<unknown>): Promise<PipewrightError> {
  try {
    await promise;
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a PipewrightError');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('generateKeyEncryptionKey', () => {
  it('returns 32 random bytes as standard base64', () => {
    const first = generateKeyEncryptionKey();
    const second = generateKeyEncryptionKey();
    expect(first).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(atob(first)).toHaveLength(32);
    expect(first).not.toBe(second);
  });
});

describe('createLocalKeyRing', () => {
  it('wraps and unwraps a data key under the active key', async () => {
    const ring = createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } });
    const dataKey = randomBytes(32);
    const { keyId, wrapped } = await ring.wrap(dataKey, 'ctx');
    expect(keyId).toBe('k1');
    // iv + encrypted key + tag: the key itself must not appear in the wrap.
    expect(wrapped).toHaveLength(12 + 32 + 16);
    expect(encodeBase64(wrapped)).not.toContain(encodeBase64(dataKey).slice(0, 20));
    expect(await ring.unwrap(keyId, wrapped, 'ctx')).toEqual(dataKey);
  });

  it('defaults the active key to the first id and honours activeKeyId', () => {
    const keys = { k2: generateKeyEncryptionKey(), k1: generateKeyEncryptionKey() };
    expect(createLocalKeyRing({ keys }).activeKeyId()).toBe('k2');
    expect(createLocalKeyRing({ keys, activeKeyId: 'k1' }).activeKeyId()).toBe('k1');
  });

  it('accepts standard, url-safe, unpadded base64 and raw bytes as the same key', async () => {
    // Pick bytes whose base64 uses "+" and "/", so the url-safe form really differs.
    const bytes = new Uint8Array(32).fill(0xfb);
    const standard = encodeBase64(bytes);
    expect(standard).toMatch(/[+/]/);
    const forms = [standard, standard.replace(/=+$/, ''), encodeBase64Url(bytes), bytes];
    const first = createLocalKeyRing({ keys: { k1: forms[0]! } });
    const { wrapped } = await first.wrap(randomBytes(32), 'ctx');
    for (const form of forms) {
      const ring = createLocalKeyRing({ keys: { k1: form } });
      await expect(ring.unwrap('k1', wrapped, 'ctx')).resolves.toHaveLength(32);
    }
  });

  it('does not change the bytes a host passes in', async () => {
    const bytes = randomBytes(32);
    const copy = new Uint8Array(bytes);
    const ring = createLocalKeyRing({ keys: { k1: bytes } });
    await ring.wrap(randomBytes(32), 'ctx');
    expect(bytes).toEqual(copy);
  });

  it('imports each key once, however often it is used', async () => {
    const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    const ring = createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey(), k2: generateKeyEncryptionKey() } });
    const wraps = await Promise.all([1, 2, 3, 4].map(() => ring.wrap(randomBytes(32), 'ctx')));
    for (const { wrapped } of wraps) await ring.unwrap('k1', wrapped, 'ctx');
    expect(importKey).toHaveBeenCalledTimes(1);
  });

  it('binds the wrap to its context and its key id', async () => {
    const ring = createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey(), k2: generateKeyEncryptionKey() } });
    const { wrapped } = await ring.wrap(randomBytes(32), 'ctx-a');
    expect((await rejection(ring.unwrap('k1', wrapped, 'ctx-b'))).code).toBe('secret_tampered');
    expect((await rejection(ring.unwrap('k2', wrapped, 'ctx-a'))).code).toBe('secret_tampered');
    const flipped = new Uint8Array(wrapped);
    flipped[20]! ^= 1;
    expect((await rejection(ring.unwrap('k1', flipped, 'ctx-a'))).code).toBe('secret_tampered');
    expect((await rejection(ring.unwrap('k1', wrapped.subarray(0, 27), 'ctx-a'))).code).toBe('secret_tampered');
  });

  it('binds the key id even when two ids hold the same key', async () => {
    const same = generateKeyEncryptionKey();
    const ring = createLocalKeyRing({ keys: { k1: same, k2: same } });
    const { wrapped } = await ring.wrap(randomBytes(32), 'ctx');
    expect((await rejection(ring.unwrap('k2', wrapped, 'ctx'))).code).toBe('secret_tampered');
  });

  it("fails with 'unknown_key' for a key it does not hold", async () => {
    const ring = createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } });
    const { wrapped } = await ring.wrap(randomBytes(32), 'ctx');
    const error = await rejection(ring.unwrap('k9', wrapped, 'ctx'));
    expect(error.code).toBe('unknown_key');
    expect(error.details).toEqual({ keyId: 'k9' });
  });

  it('lists every config problem at once', () => {
    const error = configError(() =>
      createLocalKeyRing({
        keys: { 'bad.id': generateKeyEncryptionKey(), short: encodeBase64(randomBytes(16)), junk: 'not base64!', ok: generateKeyEncryptionKey() },
        activeKeyId: 'missing',
      }),
    );
    expect(error.issues).toEqual([
      'key #1: key id must be 1-64 characters of A-Z, a-z, 0-9, "_" and "-"',
      'key "short": key must be 32 bytes, got 16',
      'key "junk": key is not valid base64',
      'activeKeyId "missing" is not one of the key ids',
    ]);
    expect(error.message).toContain('key "short": key must be 32 bytes, got 16');
    expect(error).not.toBeInstanceOf(PipewrightError);
  });

  it('rejects an empty ring, over-long ids and non-key values', () => {
    expect(configError(() => createLocalKeyRing({ keys: {} })).issues).toEqual(['no keys: the ring needs at least one key']);
    expect(configError(() => createLocalKeyRing({ keys: { ['k'.repeat(65)]: generateKeyEncryptionKey() } })).issues[0]).toMatch(/key id must be 1-64/);
    const notAKey: unknown = 42;
    expect(configError(() => createLocalKeyRing({ keys: { k1: notAKey as string } })).issues).toEqual(['key "k1": key must be a base64 string or a Uint8Array']);
    expect(configError(() => createLocalKeyRing({ keys: { k1: new Uint8Array(31) } })).issues).toEqual(['key "k1": key must be 32 bytes, got 31']);
  });

  it('requires activeKeyId when integer ids make "first" ambiguous', () => {
    // JavaScript orders { "2": …, "1": … } as "1", "2": defaulting would pick the old key.
    const keys = { '2': generateKeyEncryptionKey(), '1': generateKeyEncryptionKey() };
    expect(configError(() => createLocalKeyRing({ keys })).issues[0]).toMatch(/activeKeyId is required/);
    expect(createLocalKeyRing({ keys, activeKeyId: '2' }).activeKeyId()).toBe('2');
  });

  it('never puts key material into config errors', () => {
    const short = encodeBase64(randomBytes(31));
    const error = configError(() => createLocalKeyRing({ keys: { k1: short, 'bad id': generateKeyEncryptionKey() } }));
    expect(error.message).not.toContain(short);
    expect(error.message).not.toContain(short.slice(0, 12));
  });
});

describe('parseKeyRing', () => {
  it('reads "id:key" pairs, the first one active, tolerating spaces and newlines', async () => {
    const k2 = generateKeyEncryptionKey();
    const k1 = encodeBase64Url(randomBytes(32));
    const ring = parseKeyRing(` k2:${k2} ,\n k1 : ${k1}\n`);
    expect(ring.activeKeyId()).toBe('k2');
    const { keyId, wrapped } = await ring.wrap(randomBytes(32), 'ctx');
    expect(keyId).toBe('k2');
    await expect(ring.unwrap('k2', wrapped, 'ctx')).resolves.toHaveLength(32);
    // k1 is held too: an old key stays readable after the new one is prepended.
    const onlyK1 = parseKeyRing(`k1:${k1}`);
    const old = await onlyK1.wrap(randomBytes(32), 'ctx');
    await expect(ring.unwrap('k1', old.wrapped, 'ctx')).resolves.toHaveLength(32);
  });

  it('takes the first entry as active even when ids are integers', () => {
    expect(parseKeyRing(`2:${generateKeyEncryptionKey()},1:${generateKeyEncryptionKey()}`).activeKeyId()).toBe('2');
  });

  it('rejects empty text', () => {
    for (const text of ['', '   ', '\n']) {
      expect(configError(() => parseKeyRing(text)).issues).toEqual(['the key ring text is empty: expected "<id>:<base64 key>,<id>:<base64 key>", the active key first']);
    }
  });

  it('names each bad entry by position', () => {
    const key = generateKeyEncryptionKey();
    const error = configError(() => parseKeyRing(`k1:${key},,${key},k1:${key},bad.id:${key},k3:${encodeBase64(randomBytes(8))},k4:@@@`));
    expect(error.issues).toEqual([
      'entry 2 is empty',
      'entry 3 is not "<id>:<base64 key>"',
      'entry 4 repeats the key id of entry 1',
      'entry 5: key id must be 1-64 characters of A-Z, a-z, 0-9, "_" and "-"',
      'entry 6: key must be 32 bytes, got 8',
      'entry 7: key is not valid base64',
    ]);
  });

  it('never puts key material into its errors, even for entries written the wrong way round', () => {
    // A url-safe key is a valid-looking id, so a reversed entry would put the key where ids are echoed.
    const urlKey = encodeBase64Url(randomBytes(32));
    const standardKey = generateKeyEncryptionKey();
    const error = configError(() => parseKeyRing(`${urlKey}:k1,${standardKey},k2:${standardKey.slice(0, 30)}`));
    expect(error.issues).toHaveLength(3);
    for (const secret of [urlKey, standardKey, standardKey.slice(0, 30)]) {
      expect(error.message).not.toContain(secret.slice(0, 10));
    }
  });
});
