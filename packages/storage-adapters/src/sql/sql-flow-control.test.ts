import { asTenantId, newId, type JobQueue, type TenantId } from '@pipewright/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sqlTestTargets } from '../test-support/sql-test-targets';
import { describeWithServer } from '../test-support/test-servers';
import { prefixEnd } from './sql-flow-states';
import { createSqlJobQueue } from './sql-job-queue';
import { createSqlRunStore } from './sql-run-store';

const newTenant = (): TenantId => asTenantId(newId('tenant'));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('prefixEnd', () => {
  it('raises the last code point, so that prefix <= key < end means "starts with"', () => {
    expect(prefixEnd('breaker:')).toBe('breaker;');
    expect(prefixEnd('x%_')).toBe('x%`');
    expect(prefixEnd('é')).toBe('ê');
  });

  it('drops trailing U+10FFFF, skips the surrogates, and has no end for the empty prefix', () => {
    expect(prefixEnd('a\u{10FFFF}')).toBe('b');
    expect(prefixEnd('\u{10FFFF}\u{10FFFF}')).toBeUndefined();
    expect(prefixEnd('\uD7FF')).toBe('\uE000');
    expect(prefixEnd('')).toBeUndefined();
  });
});

for (const { name, server, database } of await sqlTestTargets('flow-control')) {
  describeWithServer(server, `sql flow control on ${name}`, () => {
    describe('flow state keys', () => {
      it('compares keys byte by byte: case and trailing spaces make different keys', async () => {
        const store = createSqlRunStore(await database());
        const tenantId = newTenant();
        const keys = ['rate:a', 'rate:A', 'rate:a ', 'rate:ä'];
        for (const key of keys) expect((await store.putFlowState(tenantId, key, { key }, 0, 1))?.version).toBe(1);
        for (const key of keys) expect((await store.getFlowState(tenantId, key))?.value).toEqual({ key });
        // Code point order, as UTF-8 bytes compare: upper case before lower case, then the space, then ä.
        expect((await store.listFlowStates(tenantId, 'rate:')).items.map((item) => item.key)).toEqual(['rate:A', 'rate:a', 'rate:a ', 'rate:ä']);
        expect((await store.listFlowStates(tenantId, 'rate:a')).items.map((item) => item.key)).toEqual(['rate:a', 'rate:a ']);
        expect((await store.listFlowStates(tenantId, 'RATE:')).items).toEqual([]);
      });

      it('takes a backslash in a prefix literally too', async () => {
        const store = createSqlRunStore(await database());
        const tenantId = newTenant();
        for (const key of ['a\\b', 'a\\\\b', 'ab', 'a%b']) await store.putFlowState(tenantId, key, null, 0, 1);
        expect((await store.listFlowStates(tenantId, 'a\\')).items.map((item) => item.key)).toEqual(['a\\\\b', 'a\\b']);
      });
    });

    describe('fair placement of delayed jobs', () => {
      let queue: JobQueue | undefined;
      afterEach(async () => {
        await queue?.close();
        queue = undefined;
      });

      it('places a burst of delayed jobs that fell due between another tenant’s waiting jobs, not before them all', async () => {
        queue = createSqlJobQueue(await database(), { queueName: newId('q'), pollIntervalMs: 20 });
        const busy = newTenant();
        const timers = newTenant();
        for (let index = 0; index < 30; index++) await queue.enqueue({ tenantId: busy, name: 'now', payload: index });
        const dueAt = Date.now() + 100;
        for (let index = 0; index < 30; index++) await queue.enqueue({ tenantId: timers, name: 'later', payload: index, dueAt });
        await sleep(Math.max(0, dueAt - Date.now()) + 50);
        const order: TenantId[] = [];
        queue.process(async (job) => {
          order.push(job.tenantId);
        });
        await waitFor('all 60 jobs', () => order.length === 60);
        // Turn about: every three leases serve both tenants, until one has none left.
        for (let start = 0; start + 3 <= 50; start++) expect(new Set(order.slice(start, start + 3)).size, order.join(' ')).toBe(2);
      });

      it('places a delayed job after the waiting jobs of its own tenant', async () => {
        queue = createSqlJobQueue(await database(), { queueName: newId('q'), pollIntervalMs: 20 });
        const tenantId = newTenant();
        await queue.enqueue({ tenantId, name: 'timer', payload: 'later', dueAt: Date.now() + 50 });
        for (let index = 0; index < 5; index++) await queue.enqueue({ tenantId, name: 'step', payload: index });
        await sleep(100);
        const payloads: unknown[] = [];
        queue.process(async (job) => {
          payloads.push(job.payload);
        });
        await waitFor('all 6 jobs', () => payloads.length === 6);
        expect(payloads).toEqual([0, 1, 2, 3, 4, 'later']);
      });

      it('keeps jobs that are not due out of the way: a thousand of them do not delay a due one', async () => {
        queue = createSqlJobQueue(await database(), { queueName: newId('q'), pollIntervalMs: 20 });
        const tenantId = newTenant();
        const later = Date.now() + 60_000;
        for (let start = 0; start < 1_000; start += 50) {
          await Promise.all(Array.from({ length: 50 }, (_, index) => queue?.enqueue({ tenantId, name: 'later', payload: start + index, dueAt: later })));
        }
        const handled: unknown[] = [];
        queue.process(async (job) => {
          handled.push(job.payload);
        });
        await queue.enqueue({ tenantId, name: 'now', payload: 'now' });
        await waitFor('the due job', () => handled.length === 1, 2_000);
        await sleep(50);
        expect(handled).toEqual(['now']);
        expect(await queue.countPending()).toBe(1_000);
      });
    });
  });
}
