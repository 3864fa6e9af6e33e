import { describe, expect, it } from 'vitest';
import { newId, newTimeOrderedId } from './ids';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newTimeOrderedId', () => {
  it('is a v7 UUID after the prefix, whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 10, 24, 12, 0, 0, 123);
    const id = newTimeOrderedId('run', at);
    const [prefix, body] = id.split('_') as [string, string];
    expect(prefix).toBe('run');
    expect(body).toMatch(uuid);
    expect(uuid.exec(body)?.[1]).toBe('7');
    expect(Number.parseInt(body.replace('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts as a string in the order of creation times, across a change in the number of hex digits of a part', () => {
    const times = [0, 1, 15, 16, 255, 4_096, 1_700_000_000_000, 1_800_000_000_000, 2 ** 47];
    const ids = times.map((at) => newTimeOrderedId('job', at));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is unique within one millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newTimeOrderedId('run', at)));
    expect(ids.size).toBe(10_000);
  });

  it('leaves newId a random v4 UUID, for secrets and unguessable paths', () => {
    const body = newId('rs').slice(3);
    expect(uuid.exec(body)?.[1]).toBe('4');
    expect(Number.parseInt(body.slice(0, 8), 16)).not.toBe(Math.floor(Date.now() / 2 ** 16));
  });
});
