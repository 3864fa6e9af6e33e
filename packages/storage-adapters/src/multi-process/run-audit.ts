import { storedEventsOf } from '../sql/event-rows';
import type { RunEvent } from '@pipewright/core';
import type { SqlDatabase } from '../sql/open-sql-database';
import { countedStepIds, countedStepOutputSchema, type CountedStepOutput } from './counted-step-workflow';
import { readStepCounters, type StepCounterRow } from './step-counter-table';

export interface RunAuditOptions {
  tenantId: string;
  /** Every run the test started: none may be missing, none may be extra. */
  runIds: readonly string[];
  counterTable: string;
  /** The workers killed during the test, with their concurrency. */
  killed: ReadonlyMap<string, number>;
}

export interface RunAudit {
  /** Every broken invariant, one line each; empty when the runs are sound. */
  problems: string[];
  /** Steps that ran more than once: each was in flight on a killed worker. */
  redone: StepCounterRow[];
  /** How many steps ran, in all. */
  executions: number;
  events: number;
}

interface LoggedRun {
  events: Array<{ seq: number; event: RunEvent }>;
}

const shown = 25;

/**
 * Checks from the store and the step counter that every run finished exactly once and
 * that no completed step ran again. The invariants:
 *
 * - every started run exists, once, `succeeded`; no other run exists;
 * - each log's sequence numbers are 1..n, with one `run.succeeded`, no failure, no retry;
 * - each (run, node) has exactly one `step.succeeded`, and every counted step has one;
 * - each run has exactly one counter row per counted step, and no row belongs to another run;
 * - the success recorded for a step is its last execution (output.execution equals the
 *   counter), by the worker that ran that execution: nothing ran the step after its
 *   success was stored;
 * - a step that ran more than once ran first on a killed worker, whose execution was
 *   never recorded, and then once on a live worker; there are at most as many such steps
 *   as the killed workers could run at once.
 */
export async function auditRuns(database: SqlDatabase, options: RunAuditOptions): Promise<RunAudit> {
  const problems: string[] = [];
  const { tenantId } = options;
  const expected = new Set(options.runIds);
  if (expected.size !== options.runIds.length) problems.push(`The test started ${options.runIds.length} runs but only ${expected.size} distinct run ids came back`);

  const runs = await database.db.selectFrom('runs').select(['id', 'status']).where('tenant_id', '=', tenantId).execute();
  const statusOf = new Map<string, string>();
  for (const run of runs) {
    if (statusOf.has(run.id)) problems.push(`Run ${run.id} is stored twice`);
    statusOf.set(run.id, run.status);
    if (!expected.has(run.id)) problems.push(`Run ${run.id} was never started by the test`);
    else if (run.status !== 'succeeded') problems.push(`Run ${run.id} is ${run.status}, not succeeded`);
  }
  for (const id of expected) if (!statusOf.has(id)) problems.push(`Run ${id} is lost: it is not in the runs table`);

  const rows = await database.db
    .selectFrom('run_events')
    .select(['run_id', 'seq', 'at', 'event'])
    .where('tenant_id', '=', tenantId)
    .orderBy('run_id')
    .orderBy('seq')
    .execute();
  const logs = new Map<string, LoggedRun>();
  for (const row of rows) {
    let log = logs.get(row.run_id);
    if (log === undefined) {
      log = { events: [] };
      logs.set(row.run_id, log);
    }
    for (const { seq, event } of storedEventsOf([row], 0)) log.events.push({ seq, event });
  }

  const counters = await readStepCounters(database.db, options.counterTable);
  const countersByRun = new Map<string, StepCounterRow[]>();
  for (const counter of counters) {
    const list = countersByRun.get(counter.runId) ?? [];
    list.push(counter);
    countersByRun.set(counter.runId, list);
    if (!expected.has(counter.runId)) problems.push(`Step ${counter.idempotencyKey} ran for run ${counter.runId}, which the test never started`);
  }

  for (const runId of expected) {
    const log = logs.get(runId);
    if (log === undefined) {
      problems.push(`Run ${runId} has no events`);
      continue;
    }
    const successes = checkLog(runId, log, problems);
    checkCounters(runId, countersByRun.get(runId) ?? [], successes, options.killed, problems);
  }

  const redone = counters.filter((counter) => counter.executions > 1);
  const bound = [...options.killed.values()].reduce((sum, concurrency) => sum + concurrency, 0);
  if (redone.length > bound) {
    problems.push(`${redone.length} steps ran more than once, more than the ${bound} the killed workers could have had in flight: ${redone.map((row) => row.idempotencyKey).join(', ')}`);
  }

  const kept = problems.length > shown ? [...problems.slice(0, shown), `... and ${problems.length - shown} more problems`] : problems;
  return { problems: kept, redone, executions: counters.reduce((sum, counter) => sum + counter.executions, 0), events: [...logs.values()].reduce((sum, log) => sum + log.events.length, 0) };
}

/** Checks one run's log; returns the output each counted step's `step.succeeded` recorded. */
function checkLog(runId: string, log: LoggedRun, problems: string[]): Map<string, CountedStepOutput> {
  log.events.forEach((entry, index) => {
    if (entry.seq !== index + 1) problems.push(`Run ${runId}: event ${index + 1} has sequence number ${entry.seq}`);
  });
  const events = log.events.map((entry) => entry.event);
  const finished = events.filter((event) => event.type === 'run.succeeded' || event.type === 'run.failed' || event.type === 'run.cancelled');
  if (finished.length !== 1 || finished[0]?.type !== 'run.succeeded') {
    problems.push(`Run ${runId} ended with [${finished.map((event) => event.type).join(', ')}] instead of one run.succeeded`);
  }
  for (const event of events) {
    if (event.type === 'step.failed' || event.type === 'step.retry_scheduled') {
      problems.push(`Run ${runId}: ${event.type} on ${event.nodeId} (attempt ${event.attempt})${event.type === 'step.failed' ? `: ${event.error.message}` : ''}`);
    }
  }

  const successes = new Map<string, CountedStepOutput>();
  const succeededCount = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'step.succeeded') continue;
    succeededCount.set(event.nodeId, (succeededCount.get(event.nodeId) ?? 0) + 1);
    if (!(countedStepIds as readonly string[]).includes(event.nodeId)) continue;
    const output = countedStepOutputSchema.safeParse(event.output);
    if (!output.success) problems.push(`Run ${runId}: step ${event.nodeId} recorded an output that is not a counted step's: ${JSON.stringify(event.output)}`);
    else successes.set(event.nodeId, output.data);
  }
  for (const [nodeId, count] of succeededCount) {
    if (count !== 1) problems.push(`Run ${runId}: step ${nodeId} has ${count} step.succeeded events`);
  }
  for (const nodeId of countedStepIds) {
    if (!succeededCount.has(nodeId)) problems.push(`Run ${runId}: step ${nodeId} has no step.succeeded event`);
  }
  // A step in flight on a dead worker runs again under the key its step.started recorded.
  for (const event of events) {
    if (event.type !== 'step.started') continue;
    const key = successes.get(event.nodeId)?.idempotencyKey;
    if (key !== undefined && key !== event.idempotencyKey) {
      problems.push(`Run ${runId}: step ${event.nodeId} started with key ${event.idempotencyKey} but succeeded with key ${key}`);
    }
  }
  return successes;
}

function checkCounters(runId: string, counters: StepCounterRow[], successes: Map<string, CountedStepOutput>, killed: ReadonlyMap<string, number>, problems: string[]): void {
  const nodes = counters.map((counter) => counter.nodeId).sort();
  if (nodes.join(',') !== [...countedStepIds].sort().join(',')) {
    problems.push(`Run ${runId} has ${counters.length} step counter keys (${nodes.join(', ')}), not one for each of ${countedStepIds.join(', ')}`);
  }
  for (const counter of counters) {
    const recorded = successes.get(counter.nodeId);
    if (recorded === undefined) continue; // reported by checkLog
    const last = counter.workers[counter.workers.length - 1];
    if (recorded.idempotencyKey !== counter.idempotencyKey) {
      problems.push(`Run ${runId}: step ${counter.nodeId} counted under ${counter.idempotencyKey} but recorded key ${recorded.idempotencyKey}`);
    }
    if (recorded.execution !== counter.executions || recorded.worker !== last) {
      problems.push(
        `Step ${counter.idempotencyKey} ran ${counter.executions} times (${counter.workers.join(', ')}), but its recorded success is execution ${recorded.execution} by ${recorded.worker}: it ran again after it completed`,
      );
    }
    if (counter.executions > 1) {
      const earlier = counter.workers.slice(0, -1);
      // Each killed worker ran it at most once before it died, and a live worker's run is the last.
      const valid = earlier.every((worker) => killed.has(worker)) && new Set(earlier).size === earlier.length && last !== undefined && !killed.has(last);
      if (!valid) {
        problems.push(`Step ${counter.idempotencyKey} ran ${counter.executions} times (${counter.workers.join(', ')}): only an execution on a killed worker may be redone, once, by a live one`);
      }
    }
  }
}
