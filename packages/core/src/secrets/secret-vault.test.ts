import { describe, expect, it } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { decodeBase64UrlStrict, encodeBase64Url } from './base64';
import { createLocalKeyRing, generateKeyEncryptionKey, type KeyEncryptionKeys } from './key-ring';
import { SecretVault } from './secret-vault';

const ad = 'connection:tenant-1:conn-1';
const plaintext = 'sk_live_4f9a-very-secret-token';
const k1 = generateKeyEncryptionKey();
const k2 = generateKeyEncryptionKey();

async function rejection(promise: Promise<unknown>): Promise<PipewrightError> {
  try {
    await promise;
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a PipewrightError');
}

function thrown(run: () => unknown): PipewrightError {
  try {
    run();
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a PipewrightError');
}

function vaultWith(keys: Record<string, string>, activeKeyId?: string): SecretVault {
  return new SecretVault(createLocalKeyRing(activeKeyId === undefined ? { keys } : { keys, activeKeyId }));
}

/** Flips one bit in the decoded bytes of envelope segment `index`, keeping the encoding canonical. */
function flipBit(sealed: string, index: number, byte = 0): string {
  const parts = sealed.split('.');
  const bytes = decodeBase64UrlStrict(parts[index]!)!;
  bytes[byte]! ^= 0x01;
  parts[index] = encodeBase64Url(bytes);
  return parts.join('.');
}

function withSegment(sealed: string, index: number, value: string): string {
  const parts = sealed.split('.');
  parts[index] = value;
  return parts.join('.');
}

describe('SecretVault', () => {
  it('round-trips text, unicode and a 100 KB string', async () => {
    const vault = vaultWith({ k1 });
    const large = 'a€😀\u0000ß'.repeat(10_000);
    expect(new TextEncoder().encode(large).length).toBeGreaterThan(100_000);
    for (const text of [plaintext, '', 'Grüße, 東京 🚀 — \u{1F600}\n\t"quotes"', large]) {
      const sealed = await vault.seal(text, ad);
      expect(await vault.open(sealed.sealed, ad)).toBe(text);
    }
  });

  it('writes a printable, versioned envelope that does not contain the plaintext', async () => {
    const vault = vaultWith({ k1 });
    const { sealed, keyId } = await vault.seal(plaintext, ad);
    expect(keyId).toBe('k1');
    expect(sealed).toMatch(/^pw1\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(plaintext);
    expect(vault.keyIdOf(sealed)).toBe('k1');
    expect(vault.activeKeyId).toBe('k1');
  });

  it('seals the same plaintext differently each time (fresh data key and iv)', async () => {
    const vault = vaultWith({ k1 });
    const first = (await vault.seal(plaintext, ad)).sealed.split('.');
    const second = (await vault.seal(plaintext, ad)).sealed.split('.');
    for (const index of [2, 3, 4]) expect(first[index]).not.toBe(second[index]);
  });

  describe('tamper detection', () => {
    it.each([
      ['wrapped key', 2],
      ['iv', 3],
      ['ciphertext', 4],
    ])("fails with 'secret_tampered' when one bit of the %s flips", async (_name, index) => {
      const vault = vaultWith({ k1 });
      const { sealed } = await vault.seal(plaintext, ad);
      const length = decodeBase64UrlStrict(sealed.split('.')[index]!)!.length;
      // First, middle and last byte: the last one of the ciphertext is in the GCM tag.
      for (const byte of [0, Math.floor(length / 2), length - 1]) {
        expect((await rejection(vault.open(flipBit(sealed, index, byte), ad))).code).toBe('secret_tampered');
      }
      await expect(vault.open(sealed, ad)).resolves.toBe(plaintext);
    });

    it("fails with 'secret_tampered' when the key id names another key of the ring", async () => {
      const vault = vaultWith({ k1, k2 }, 'k1');
      const { sealed } = await vault.seal(plaintext, ad);
      expect((await rejection(vault.open(withSegment(sealed, 1, 'k2'), ad))).code).toBe('secret_tampered');
    });

    it("fails with 'unknown_key' when the key id names no key of the ring", async () => {
      const vault = vaultWith({ k1 });
      const { sealed } = await vault.seal(plaintext, ad);
      const error = await rejection(vault.open(withSegment(sealed, 1, 'k9'), ad));
      expect(error.code).toBe('unknown_key');
      expect(error.message).toContain('k9');
    });

    it("fails with 'secret_tampered' for other associated data (a secret copied to another row)", async () => {
      const vault = vaultWith({ k1 });
      const { sealed } = await vault.seal(plaintext, ad);
      for (const other of ['connection:tenant-2:conn-1', 'connection:tenant-1:conn-2', '', `${ad} `]) {
        expect((await rejection(vault.open(sealed, other))).code).toBe('secret_tampered');
      }
    });

    it("fails with 'secret_tampered' when wrapped keys are swapped between envelopes", async () => {
      const vault = vaultWith({ k1 });
      const a = (await vault.seal('secret-a', ad)).sealed;
      const b = (await vault.seal('secret-b', ad)).sealed;
      const c = (await vault.seal('secret-c', 'connection:tenant-1:conn-2')).sealed;
      // Same row: the wrap opens, but the data key does not fit the other ciphertext.
      expect((await rejection(vault.open(withSegment(a, 2, b.split('.')[2]!), ad))).code).toBe('secret_tampered');
      // Another row: the wrap itself is bound to that row.
      expect((await rejection(vault.open(withSegment(a, 2, c.split('.')[2]!), ad))).code).toBe('secret_tampered');
    });

    it("fails with 'secret_tampered' for truncated and garbage envelopes", async () => {
      const vault = vaultWith({ k1 });
      const { sealed } = await vault.seal(plaintext, ad);
      const [, , wrapped, iv, ciphertext] = sealed.split('.');
      const garbage = [
        '',
        'pw1',
        'pw1.k1',
        'pw1.k1....',
        'not an envelope',
        '\u0000\u0001',
        sealed.replace(/^pw1/, 'pw2'),
        `${sealed}.extra`,
        `${sealed} `,
        `${sealed}==`,
        sealed.replaceAll('.', ':'),
        withSegment(sealed, 1, 'k 1'),
        withSegment(sealed, 1, ''),
        withSegment(sealed, 2, ''),
        withSegment(sealed, 3, encodeBase64Url(new Uint8Array(16))),
        withSegment(sealed, 3, iv!.slice(0, -1)),
        withSegment(sealed, 4, ciphertext!.slice(0, 20)),
        withSegment(sealed, 4, ''),
        withSegment(sealed, 2, `${wrapped!}+`),
      ];
      for (let cut = 1; cut < sealed.length; cut += 5) garbage.push(sealed.slice(0, cut));
      for (const text of garbage) {
        const error = await rejection(vault.open(text, ad));
        expect(error.code, JSON.stringify(text.slice(0, 40))).toBe('secret_tampered');
      }
      for (const text of ['', 'pw1.k1', `${sealed}.extra`]) expect(thrown(() => vault.keyIdOf(text)).code).toBe('secret_tampered');
      expect((await rejection(vault.rewrap('garbage', ad))).code).toBe('secret_tampered');
    });
    it("fails with 'secret_tampered' for another spelling of the same bytes", async () => {
      const vault = vaultWith({ k1 });
      // 30 bytes of plaintext + 16 of tag = 46 bytes in 62 characters: the last one has 4 unused bits.
      const { sealed } = await vault.seal('x'.repeat(30), ad);
      const ciphertext = sealed.split('.')[4]!;
      expect(ciphertext).toHaveLength(62);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respelled = `${ciphertext.slice(0, -1)}${alphabet[alphabet.indexOf(ciphertext.at(-1)!) ^ 1]!}`;
      expect(atob(respelled.replaceAll('-', '+').replaceAll('_', '/'))).toBe(atob(ciphertext.replaceAll('-', '+').replaceAll('_', '/')));
      expect((await rejection(vault.open(withSegment(sealed, 4, respelled), ad))).code).toBe('secret_tampered');
    });
  });

  describe('key rotation', () => {
    it('keeps old secrets readable, moves them with rewrap, and loses only those not moved once the old key goes', async () => {
      const ring1 = vaultWith({ k1 });
      const rows = await Promise.all(
        Array.from({ length: 5 }, async (_, index) => {
          const rowAd = `connection:tenant-1:conn-${index}`;
          const secret = `secret-${index}-ünïcode`;
          return { rowAd, secret, sealed: (await ring1.seal(secret, rowAd)).sealed };
        }),
      );

      const ring2 = vaultWith({ k2, k1 });
      expect(ring2.activeKeyId).toBe('k2');
      for (const row of rows) expect(await ring2.open(row.sealed, row.rowAd)).toBe(row.secret);

      const [notMoved, ...toMove] = rows;
      const moved = [];
      for (const row of toMove) {
        const rewrapped = await ring2.rewrap(row.sealed, row.rowAd);
        expect(rewrapped.keyId).toBe('k2');
        expect(ring2.keyIdOf(rewrapped.sealed)).toBe('k2');
        // Only the key wrap changes: iv and ciphertext are carried over as they were.
        expect(rewrapped.sealed.split('.').slice(3)).toEqual(row.sealed.split('.').slice(3));
        expect(rewrapped.sealed.split('.')[2]).not.toBe(row.sealed.split('.')[2]);
        expect(await ring2.open(rewrapped.sealed, row.rowAd)).toBe(row.secret);
        moved.push({ ...row, sealed: rewrapped.sealed });
      }

      const ring3 = vaultWith({ k2 });
      for (const row of moved) expect(await ring3.open(row.sealed, row.rowAd)).toBe(row.secret);
      expect((await rejection(ring3.open(notMoved!.sealed, notMoved!.rowAd))).code).toBe('unknown_key');
      expect((await rejection(ring3.rewrap(notMoved!.sealed, notMoved!.rowAd))).code).toBe('unknown_key');
    });

    it('returns an envelope already on the active key unchanged', async () => {
      const vault = vaultWith({ k2, k1 });
      const sealed = await vault.seal(plaintext, ad);
      expect(await vault.rewrap(sealed.sealed, ad)).toEqual(sealed);
    });

    it('refuses to rewrap under other associated data', async () => {
      const { sealed } = await vaultWith({ k1 }).seal(plaintext, ad);
      const ring2 = vaultWith({ k2, k1 });
      expect((await rejection(ring2.rewrap(sealed, 'connection:tenant-2:conn-1'))).code).toBe('secret_tampered');
    });
  });

  describe('with a host key service', () => {
    /** A stand-in for a cloud KMS: its own key ids and blob format, with the context as encryption context. */
    function fakeKms(keyIds: string[], active: string) {
      const keys = new Map<string, Promise<CryptoKey>>(
        keyIds.map((id) => [id, globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])]),
      );
      const calls: string[] = [];
      const handedOut: Uint8Array[] = [];
      const received: Uint8Array[] = [];
      const context = (keyId: string, text: string) => new TextEncoder().encode(`${keyId}|${text}`);
      const kms: KeyEncryptionKeys = {
        activeKeyId: () => active,
        async wrap(dataKey, text) {
          calls.push(`wrap:${active}`);
          received.push(dataKey);
          const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
          const blob = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: context(active, text) }, await keys.get(active)!, new Uint8Array(dataKey)));
          // A different layout from the local ring: a version byte, then blob, then iv.
          return { keyId: active, wrapped: new Uint8Array([7, ...blob, ...iv]) };
        },
        async unwrap(keyId, wrapped, text) {
          calls.push(`unwrap:${keyId}`);
          const key = keys.get(keyId);
          if (!key) throw new PipewrightError('unknown_key', `KMS has no key ${keyId}`);
          if (keyId === 'offline') throw new Error('KMS unreachable');
          try {
            const plain = new Uint8Array(
              await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: wrapped.slice(-12), additionalData: context(keyId, text) }, await key, wrapped.slice(1, -12)),
            );
            handedOut.push(plain);
            return plain;
          } catch (error) {
            throw new PipewrightError('secret_tampered', 'KMS refused the blob', { cause: error });
          }
        },
      };
      return { kms, calls, handedOut, received };
    }

    it('seals, opens and rewraps through the host implementation', async () => {
      const first = fakeKms(['alias-2024'], 'alias-2024');
      const vault = new SecretVault(first.kms);
      const { sealed, keyId } = await vault.seal(plaintext, ad);
      expect(keyId).toBe('alias-2024');
      expect(sealed.startsWith('pw1.alias-2024.')).toBe(true);
      expect(await vault.open(sealed, ad)).toBe(plaintext);
      expect(first.calls).toEqual(['wrap:alias-2024', 'unwrap:alias-2024']);
      expect((await rejection(vault.open(sealed, 'connection:tenant-1:other'))).code).toBe('secret_tampered');
      expect((await rejection(vault.open(flipBit(sealed, 4), ad))).code).toBe('secret_tampered');
    });

    it('zeroes the raw data keys it handed to and got from the key service', async () => {
      const { kms, received, handedOut } = fakeKms(['kms1'], 'kms1');
      const vault = new SecretVault(kms);
      const { sealed } = await vault.seal(plaintext, ad);
      await vault.open(sealed, ad);
      expect(received).toHaveLength(1);
      expect(handedOut).toHaveLength(1);
      expect(received[0]!.every((byte) => byte === 0)).toBe(true);
      expect(handedOut[0]!.every((byte) => byte === 0)).toBe(true);
    });

    it("passes the key service's own errors through rather than calling an outage tampering", async () => {
      const { kms } = fakeKms(['offline'], 'offline');
      const vault = new SecretVault(kms);
      const { sealed } = await vault.seal(plaintext, ad);
      await expect(vault.open(sealed, ad)).rejects.toThrow('KMS unreachable');
    });

    it("treats a data key of the wrong size from the key service as 'secret_tampered'", async () => {
      const vault = new SecretVault({
        activeKeyId: () => 'kms1',
        wrap: async () => ({ keyId: 'kms1', wrapped: new Uint8Array([1]) }),
        unwrap: async () => new Uint8Array(16),
      });
      const { sealed } = await vault.seal(plaintext, ad);
      expect((await rejection(vault.open(sealed, ad))).code).toBe('secret_tampered');
    });

    it('refuses to write a key id that would not survive in an envelope', async () => {
      const vault = new SecretVault({
        activeKeyId: () => 'arn:aws:kms:key/1',
        wrap: async () => ({ keyId: 'arn:aws:kms:key/1', wrapped: new Uint8Array([1]) }),
        unwrap: async () => new Uint8Array(32),
      });
      await expect(vault.seal(plaintext, ad)).rejects.toThrow(/wrap returned key id/);
    });
  });

  it('never puts plaintext, key material or associated data into error messages', async () => {
    const rowAd = 'connection:tenant-7:conn-secret-row';
    const vault = vaultWith({ k1, k2 }, 'k1');
    const { sealed } = await vault.seal(plaintext, rowAd);
    const errors = [
      await rejection(vault.open(sealed, 'connection:tenant-7:other')),
      await rejection(vault.open(flipBit(sealed, 2), rowAd)),
      await rejection(vault.open(flipBit(sealed, 3), rowAd)),
      await rejection(vault.open(flipBit(sealed, 4), rowAd)),
      await rejection(vault.open(withSegment(sealed, 1, 'k2'), rowAd)),
      await rejection(vault.open(withSegment(sealed, 1, 'k9'), rowAd)),
      await rejection(vault.open(sealed.slice(0, -3), rowAd)),
      await rejection(vaultWith({ k2, k1 }).rewrap(sealed, 'connection:tenant-7:other')),
      thrown(() => vault.keyIdOf(`${sealed}.`)),
    ];
    expect(errors.map((error) => error.code)).toEqual([...Array(5).fill('secret_tampered'), 'unknown_key', 'secret_tampered', 'secret_tampered', 'secret_tampered']);
    const keyFragments = [k1, k2].flatMap((key) => [key.slice(0, 16), encodeBase64Url(Uint8Array.from(atob(key), (char) => char.charCodeAt(0))).slice(0, 16)]);
    for (const error of errors) {
      const text = [error.message, JSON.stringify(error.details), String(error.cause ?? '')].join('\n');
      for (const secret of [plaintext, rowAd, 'tenant-7', ...keyFragments]) expect(text).not.toContain(secret);
    }
  });
});
