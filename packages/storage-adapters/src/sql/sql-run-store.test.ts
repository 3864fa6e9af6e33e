import { asRunId, asTenantId, asWorkflowId, asWorkflowVersionId, newId, newTimeOrderedId, type RunEvent } from '@pipewright/core';
import { runStoreContract } from '@pipewright/core/testing';
import { expect, it } from 'vitest';
import { sqlTestTargets } from '../test-support/sql-test-targets';
import { describeWithServer } from '../test-support/test-servers';
import { createSqlRunStore } from './sql-run-store';

for (const { name, server, database } of await sqlTestTargets('run-store')) {
  describeWithServer(server, `sql run store on ${name}`, () => {
    runStoreContract({ name: `sql ${name}`, create: async () => createSqlRunStore(await database()) });

    it('stores the events of one append in one row', async () => {
      const db = await database();
      const store = createSqlRunStore(db);
      const tenantId = asTenantId(newId('t'));
      const runId = asRunId(newTimeOrderedId('run'));
      const now = Date.now();
      const step = (nodeId: string): RunEvent => ({ type: 'step.succeeded', nodeId, attempt: 1, output: { nodeId }, durationMs: 1 });
      const created: RunEvent = {
        type: 'run.created',
        runId,
        tenantId,
        workflowId: asWorkflowId('wf'),
        versionId: asWorkflowVersionId('wfv'),
        input: {},
        triggerNodeId: 'start',
        startedAt: now,
        resumeSecret: newId('rs'),
        variables: {},
      };
      const record = { tenantId, id: runId, workflowId: asWorkflowId('wf'), versionId: asWorkflowVersionId('wfv'), status: 'queued' as const, createdAt: now, updatedAt: now, lastSeq: 0 };
      await store.createRun(record, [created, step('start')]);
      expect(await store.appendEvents(tenantId, runId, 2, [step('a'), step('b'), step('c')], { status: 'succeeded', finishedAt: now }, now)).toEqual({ ok: true, lastSeq: 5 });
      expect(await store.appendEvents(tenantId, runId, 5, [step('d')], undefined, now)).toEqual({ ok: true, lastSeq: 6 });
      const rows = await db.db.selectFrom('run_events').select(['seq']).where('tenant_id', '=', tenantId).where('run_id', '=', runId).orderBy('seq').execute();
      expect(rows.map((row) => Number(row.seq))).toEqual([1, 3, 6]);
      expect((await store.readEvents(tenantId, runId, 3)).map((stored) => [stored.seq, stored.event.type === 'step.succeeded' ? stored.event.nodeId : stored.event.type])).toEqual([
        [4, 'b'],
        [5, 'c'],
        [6, 'd'],
      ]);
    });
  });
}
