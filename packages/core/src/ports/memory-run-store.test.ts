import { describe, expect, it } from 'vitest';
import { asRunId, asTenantId, asWorkflowId, asWorkflowVersionId } from '../ids';
import type { RunEvent } from '../runtime/run-events';
import { runStoreContract } from '../testing/run-store-contract';
import { createMemoryRunStore } from './memory-run-store';
import { decodeCursor, encodeCursor } from './page-cursor';
import type { RunRecord } from './run-store';

runStoreContract({ name: 'memory', create: () => createMemoryRunStore() });

const tenantId = asTenantId('tenant_memory');
const t0 = Date.UTC(2026, 0, 1);

function run(id: string, createdAt: number): RunRecord {
  return {
    tenantId,
    id: asRunId(id),
    workflowId: asWorkflowId('wf'),
    versionId: asWorkflowVersionId('wfv'),
    status: 'queued',
    createdAt,
    updatedAt: createdAt,
    lastSeq: 0,
  };
}

describe('createMemoryRunStore', () => {
  it('stores event objects as given and hands the same objects back, without copying', async () => {
    const store = createMemoryRunStore();
    const first: RunEvent = { type: 'step.started', nodeId: 'a', attempt: 1, idempotencyKey: 'k' };
    const second: RunEvent = { type: 'timer.fired', nodeId: 'a' };
    await store.createRun(run('run_1', t0), [first]);
    await store.appendEvents(tenantId, asRunId('run_1'), 1, [second], undefined, t0 + 1);
    const events = await store.readEvents(tenantId, asRunId('run_1'));
    expect(events[0]?.event).toBe(first);
    expect(events[1]?.event).toBe(second);
    const after = await store.readEvents(tenantId, asRunId('run_1'), 1);
    expect(after).toEqual([{ seq: 2, at: t0 + 1, event: second }]);
    expect(after[0]?.event).toBe(second);
  });

  it('hands out copies of run records', async () => {
    const store = createMemoryRunStore();
    const created = await store.createRun(run('run_1', t0), []);
    created.run.status = 'failed';
    const read = await store.getRun(tenantId, asRunId('run_1'));
    expect(read?.status).toBe('queued');
    if (read !== undefined) read.lastSeq = 7;
    expect((await store.getRun(tenantId, asRunId('run_1')))?.lastSeq).toBe(0);
  });

  it('keeps runs created out of order sorted for listing', async () => {
    const store = createMemoryRunStore();
    for (const [id, createdAt] of [
      ['run_c', t0 + 2],
      ['run_a', t0],
      ['run_d', t0 + 3],
      ['run_b', t0 + 2],
      ['run_e', t0 + 1],
    ] as const) {
      await store.createRun(run(id, createdAt), []);
    }
    const page = await store.listRuns(tenantId);
    expect(page.items.map((item) => item.id)).toEqual(['run_d', 'run_c', 'run_b', 'run_e', 'run_a']);
    const firstTwo = await store.listRuns(tenantId, {}, { limit: 2 });
    expect(firstTwo.items.map((item) => item.id)).toEqual(['run_d', 'run_c']);
    const rest = await store.listRuns(tenantId, {}, firstTwo.nextCursor === undefined ? {} : { cursor: firstTwo.nextCursor });
    expect(rest.items.map((item) => item.id)).toEqual(['run_b', 'run_e', 'run_a']);
  });

  it('clamps the page size between 1 and 500', async () => {
    const store = createMemoryRunStore();
    for (let index = 0; index < 502; index++) await store.createRun(run(`run_${String(index).padStart(4, '0')}`, t0 + index), []);
    expect((await store.listRuns(tenantId, {}, { limit: 10_000 })).items).toHaveLength(500);
    expect((await store.listRuns(tenantId, {}, { limit: 0 })).items).toHaveLength(1);
    expect((await store.listRuns(tenantId, {}, { limit: 2.9 })).items).toHaveLength(2);
  });

  it('rejects a run id that is already used in the tenant', async () => {
    const store = createMemoryRunStore();
    await store.createRun(run('run_1', t0), []);
    await expect(store.createRun(run('run_1', t0 + 1), [])).rejects.toThrow('already used');
  });
});

describe('page cursors', () => {
  it('round-trip any id, including non-ASCII ones, in URL-safe characters', () => {
    for (const key of [
      { at: t0, id: 'run_abc' },
      { at: 0, id: '' },
      { at: -5.5, id: 'ünïcödé/+=?' },
    ]) {
      const cursor = encodeCursor(key);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual(key);
    }
  });

  it('reject what they did not make', () => {
    const bad = ['', '!!', 'A', btoa('[1]'), btoa('["x","y"]'), btoa('[1,2]'), btoa('{"at":1,"id":"x"}'), btoa('\xff\xfe')];
    for (const cursor of bad) expect(() => decodeCursor(cursor.replaceAll('=', '')), cursor).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });
});
