import { createEngine, type RunEvent } from '@pipewright/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, type Storage } from '../create-storage';
import { countedStepRegistry, countedStepWorkflow } from './counted-step-workflow';
import { auditRuns } from './run-audit';
import { waitForRuns } from './run-progress';
import { countExecution, createStepCounterTable, readStepCounters, stepCounterTable } from './step-counter-table';

// The audit is what the multi-process tests rest on: here it must flag what it exists to catch.
const tenantId = 'audit';
const counterTable = stepCounterTable('pw_');
let storage: Storage;
let runIds: string[];

beforeAll(async () => {
  storage = await createStorage({ connection: 'sqlite::memory:', pollIntervalMs: 10 });
  const { db } = storage.database;
  await createStepCounterTable(db, counterTable);
  const engine = createEngine({
    registry: countedStepRegistry('live', (execution) => countExecution(db, counterTable, execution)),
    store: storage.store,
    queue: storage.queue,
  });
  await engine.workflows.save({ tenantId }, countedStepWorkflow('counted', 0));
  await engine.workflows.publish({ tenantId }, 'counted');
  engine.start();
  runIds = [];
  for (let index = 0; index < 3; index++) runIds.push((await engine.runs.start({ tenantId }, { workflowId: 'counted' }, { index })).runId);
  await waitForRuns(storage.database, tenantId, (counts) => counts['succeeded'] === runIds.length, { timeoutMs: 10_000, what: 'three runs' });
  await engine.stop();
});

afterAll(async () => {
  await storage.close();
});

async function counterOf(runId: string, nodeId: string) {
  const counter = (await readStepCounters(storage.database.db, counterTable)).find((row) => row.runId === runId && row.nodeId === nodeId);
  if (counter === undefined) throw new Error(`No counter for ${runId} ${nodeId}`);
  return counter;
}

describe('auditRuns', () => {
  it('finds nothing wrong with runs that each ran every step once', async () => {
    const audit = await auditRuns(storage.database, { tenantId, runIds, counterTable, killed: new Map() });
    expect(audit).toEqual({ problems: [], redone: [], executions: 15, events: 39 });
  });

  it('reports a run that was started but is not stored', async () => {
    const audit = await auditRuns(storage.database, { tenantId, runIds: [...runIds, 'run_missing'], counterTable, killed: new Map() });
    expect(audit.problems).toContain('Run run_missing is lost: it is not in the runs table');
  });

  it('accepts a step a killed worker counted and a live one redid and recorded', async () => {
    const runId = runIds[0] as string;
    const { idempotencyKey } = await counterOf(runId, 's2');
    // As if "dead" had counted s2 and died before recording it: the recorded success is the second execution, by "live".
    const { db } = storage.database;
    await sql`update ${sql.table(counterTable)} set executions = 2, workers = 'dead,live' where idempotency_key = ${idempotencyKey}`.execute(db);
    const rows = await db.selectFrom('run_events').select(['seq', 'event']).where('tenant_id', '=', tenantId).where('run_id', '=', runId).execute();
    // A row holds one append's events: an event alone, or an array of them.
    const patch = (event: RunEvent): RunEvent =>
      event.type === 'step.succeeded' && event.nodeId === 's2' ? { ...event, output: { idempotencyKey, execution: 2, worker: 'live' } } : event;
    for (const row of rows) {
      const stored = JSON.parse(row.event) as RunEvent | RunEvent[];
      const patched = Array.isArray(stored) ? stored.map(patch) : patch(stored);
      await db.updateTable('run_events').set({ event: JSON.stringify(patched) }).where('tenant_id', '=', tenantId).where('run_id', '=', runId).where('seq', '=', row.seq).execute();
    }

    const audit = await auditRuns(storage.database, { tenantId, runIds, counterTable, killed: new Map([['dead', 1]]) });
    expect(audit.problems).toEqual([]);
    expect(audit.redone.map((row) => row.idempotencyKey)).toEqual([idempotencyKey]);
    // Unless nobody was killed: then nobody could have left it in flight.
    const unexplained = await auditRuns(storage.database, { tenantId, runIds, counterTable, killed: new Map() });
    expect(unexplained.problems).toContain(`Step ${idempotencyKey} ran 2 times (dead, live): only an execution on a killed worker may be redone, once, by a live one`);
  });

  it('reports a step that ran again after its success was recorded', async () => {
    const runId = runIds[1] as string;
    const { idempotencyKey } = await counterOf(runId, 's4');
    await countExecution(storage.database.db, counterTable, { idempotencyKey, runId, nodeId: 's4', worker: 'live' });

    const audit = await auditRuns(storage.database, { tenantId, runIds, counterTable, killed: new Map([['dead', 1]]) });
    expect(audit.problems).toContain(`Step ${idempotencyKey} ran 2 times (live, live), but its recorded success is execution 1 by live: it ran again after it completed`);
  });
});
