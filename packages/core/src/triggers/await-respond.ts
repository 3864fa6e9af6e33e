import { problemDetails } from '../errors/problem-details';
import type { TriggerRecord } from '../ports/run-store';
import type { RunEvent } from '../runtime/run-events';
import type { TriggersCore } from './triggers-core';
import type { RespondOutput } from './respond-node';

const pollMs = 25;

/**
 * Waits for the run's `core.respond` step and turns its output into the HTTP answer.
 * The run may be advanced by any worker, so this reads the run's log rather than
 * waiting for an event of this process.
 */
export async function awaitRespondStep(core: TriggersCore, record: TriggerRecord, runId: string, timeoutMs: number): Promise<Response> {
  const version = await core.store.getVersion(record.tenantId, record.versionId);
  const respondNodes = new Set((version?.definition.nodes ?? []).filter((node) => node.type === 'core.respond').map((node) => node.id));
  // Wall-clock time: the HTTP client waits in real time, whatever clock the engine runs on.
  const deadline = Date.now() + timeoutMs;
  let afterSeq = 0;
  for (;;) {
    for (const entry of await core.store.readEvents(record.tenantId, runId as never, afterSeq)) {
      afterSeq = entry.seq;
      const event: RunEvent = entry.event;
      if (event.type === 'step.succeeded' && respondNodes.has(event.nodeId)) return toResponse(event.output as RespondOutput);
      if (event.type === 'run.failed') return problemDetails(502, 'run_failed', 'The run failed', 'The run failed before its respond step', { runId });
      if (event.type === 'run.succeeded' || event.type === 'run.cancelled') return new Response(null, { status: 204 });
    }
    if (Date.now() >= deadline) return problemDetails(504, 'respond_timeout', 'No answer in time', `The run did not reach its respond step within ${timeoutMs} ms`, { runId });
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function toResponse(output: RespondOutput): Response {
  const headers = new Headers(output.headers);
  if (output.body === undefined) return new Response(null, { status: output.status, headers });
  if (typeof output.body === 'string') return new Response(output.body, { status: output.status, headers });
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(output.body), { status: output.status, headers });
}
