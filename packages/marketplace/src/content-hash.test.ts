/// <reference types="node" />
// node:crypto is used only here, to cross-check the Web Crypto result independently.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash';
import { MarketplaceError } from './marketplace-error';

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

describe('contentHash', () => {
  it('returns sha256: and 64 lower-case hex digits', async () => {
    await expect(contentHash({ a: 1 })).resolves.toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('matches a known vector: the empty object', async () => {
    await expect(contentHash({})).resolves.toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('hashes the UTF-8 bytes of the canonical form', async () => {
    const template = {
      name: 'Welcome email',
      nodes: [{ id: 'send', type: 'mail.send', config: { subject: 'Grüße 👋', retries: 3, ratio: 1e30, offset: -0 } }],
    };
    await expect(contentHash(template)).resolves.toBe(
      sha256('{"name":"Welcome email","nodes":[{"config":{"offset":0,"ratio":1e+30,"retries":3,"subject":"Grüße 👋"},"id":"send","type":"mail.send"}]}'),
    );
  });

  it('matches the RFC 8785 key-sorting example', async () => {
    const input = { '\u20ac': 'Euro Sign', '\ud83d\ude00': 'Emoji', '\ufb33': 'Dalet', '\r': 'CR', '1': 'One' };
    await expect(contentHash(input)).resolves.toBe(sha256('{"\\r":"CR","1":"One","€":"Euro Sign","😀":"Emoji","\ufb33":"Dalet"}'));
  });

  it('hashes scalars as their JSON text', async () => {
    await expect(contentHash('x')).resolves.toBe(sha256('"x"'));
    await expect(contentHash(null)).resolves.toBe(sha256('null'));
    await expect(contentHash(-0)).resolves.toBe(sha256('0'));
  });

  it('does not depend on key order, at any depth', async () => {
    const a = await contentHash({ id: 't1', settings: { timezone: 'UTC', retries: 2 }, tags: ['b', 'a'] });
    const b = await contentHash({ tags: ['b', 'a'], settings: { retries: 2, timezone: 'UTC' }, id: 't1' });
    expect(a).toBe(b);
  });

  it('does not depend on the whitespace of the JSON text the value was parsed from', async () => {
    const compact = '{"name":"Sync","nodes":[{"id":"a","config":{"n":1.50}}]}';
    const pretty = `{
      "nodes" : [ { "config" : { "n" : 1.5 } , "id" : "a" } ],
      "name"  : "Sync"
    }`;
    expect(await contentHash(JSON.parse(compact))).toBe(await contentHash(JSON.parse(pretty)));
  });

  it('changes when the content changes', async () => {
    const base = await contentHash({ list: [1, 2], text: 'a' });
    expect(await contentHash({ list: [2, 1], text: 'a' })).not.toBe(base);
    expect(await contentHash({ list: [1, 2], text: 'a ' })).not.toBe(base);
    expect(await contentHash({ list: [1, 2], text: 'a', extra: null })).not.toBe(base);
  });

  it('rejects values that are not JSON with a MarketplaceError', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [undefined, () => 1, 1n, Number.NaN, Number.POSITIVE_INFINITY, cyclic]) {
      const outcome = contentHash(value);
      await expect(outcome).rejects.toBeInstanceOf(MarketplaceError);
      await expect(outcome).rejects.toMatchObject({ code: 'not_json' });
    }
  });
});
