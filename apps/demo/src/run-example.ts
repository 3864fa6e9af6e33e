import { createEngine, type BlobStore, type JobQueue, type RunStore, type RunView, type WorkflowInput } from '@pipewright/core';
import { exampleRegistry } from './example-registry';

/** Where the engine keeps runs: a durable store and queue, or memory when absent. */
export interface ExampleStorage {
  store: RunStore;
  queue: JobQueue;
  /** Where payloads over 256 KiB go. */
  blobs?: BlobStore;
}

/**
 * Saves and publishes a workflow (a new version each time), runs it once and returns the
 * finished run.
 */
export async function runExample(workflow: WorkflowInput, input: unknown, storage?: ExampleStorage): Promise<RunView> {
  const durable = storage === undefined ? {} : { store: storage.store, queue: storage.queue, ...(storage.blobs === undefined ? {} : { blobs: storage.blobs }) };
  const engine = createEngine({ registry: exampleRegistry, ...durable });
  const ctx = { tenantId: 'demo' };
  engine.start();
  try {
    await engine.workflows.save(ctx, workflow);
    const version = await engine.workflows.publish(ctx, workflow.id);
    const finished = new Promise<void>((resolve) => {
      for (const type of ['run.succeeded', 'run.failed', 'run.cancelled'] as const) engine.on(type, () => resolve());
    });
    const { runId } = await engine.runs.start(ctx, { versionId: version.id }, input);
    await finished;
    return await engine.runs.get(ctx, runId);
  } finally {
    await engine.stop();
  }
}

/** Renders a finished run: status, then one line per step with what it produced. */
export function runReport(run: RunView): string[] {
  const lines = [`run ${run.id}: ${run.status}`];
  for (const step of run.steps) {
    const handle = step.handle === undefined ? '' : ` → ${step.handle}`;
    const output = step.status === 'succeeded' ? ` ${JSON.stringify(step.output)}` : '';
    lines.push(`  ${step.status.padEnd(9)} ${step.nodeId}${handle}${output}`);
  }
  for (const log of run.logs) lines.push(`  log ${log.level} [${log.nodeId}] ${log.msg}`);
  if (run.status === 'succeeded') lines.push(`  output: ${JSON.stringify(run.output)}`);
  if (run.error) lines.push(`  error: ${run.error.code}: ${run.error.message}`);
  return lines;
}
