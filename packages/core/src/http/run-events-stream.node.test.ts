import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import { createEngine, type Engine } from '../runtime/engine';
import { readEventStream } from './client/read-event-stream';
import { startApiServer, tokenFor, type ApiServer } from './test-support/api-server.node-fixture';

const tenant = 'tenant-sse';
const stopAfter: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const stop of stopAfter.splice(0).reverse()) await stop();
});

/** start → say → pause (150 ms) → say again: the run is still going when a client subscribes. */
const pausingWorkflow = {
  id: 'pausing',
  name: 'Pausing',
  nodes: [
    { id: 'start', type: 'core.manual' },
    { id: 'first', type: 'echo.say', config: { text: 'one' } },
    { id: 'pause', type: 'core.delay', config: { mode: 'duration', durationMs: 150 } },
    { id: 'second', type: 'echo.say', config: { text: 'two' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'first' },
    { id: 'e2', source: 'first', target: 'pause' },
    { id: 'e3', source: 'pause', target: 'second' },
  ],
};

async function startPausingRun(api: ApiServer): Promise<string> {
  const client = api.client(tenant, 'editor');
  await client.createWorkflow({ body: { definition: pausingWorkflow } });
  await client.publishWorkflow({ params: { workflowId: 'pausing' } });
  return (await client.startRun({ body: { workflowId: 'pausing', inputs: { lead: 'ada' } } })).runId;
}

async function collect(api: ApiServer, runId: string): Promise<Array<{ seq: number; type: string; event: Record<string, unknown> }>> {
  const events = [];
  for await (const item of await api.client(tenant, 'viewer').streamRunEvents({ params: { runId } })) events.push(item);
  return events;
}

describe('live run updates over Server-Sent Events', () => {
  it('a subscriber gets every stored event of the run in order, then the final status, and the stream ends', async () => {
    const api = await startApiServer();
    stopAfter.push(() => api.close());
    const runId = await startPausingRun(api);
    const received = await collect(api, runId);

    const stored = await api.engine.runs.events({ tenantId: tenant }, runId);
    expect(received.map((item) => item.seq)).toEqual(stored.map((entry) => entry.seq));
    expect(received.map((item) => item.type)).toEqual(stored.map((entry) => entry.event.type));
    expect(received.map((item) => item.seq)).toEqual(received.map((_, index) => index + 1));
    const stepOrder = received.filter((item) => item.type === 'step.succeeded').map((item) => item.event['nodeId']);
    expect(stepOrder).toEqual(['start', 'first', 'pause', 'second']);
    expect(received.at(-1)?.type).toBe('run.succeeded');
    // The pause made the subscription start before the run ended: the stream waited for it.
    expect(received.some((item) => item.type === 'step.waiting' || item.type === 'step.started')).toBe(true);
  });

  it('Last-Event-ID resumes after that event', async () => {
    const api = await startApiServer();
    stopAfter.push(() => api.close());
    const runId = await startPausingRun(api);
    const all = await collect(api, runId);
    const response = await fetch(`${api.baseUrl}/runs/${runId}/events`, { headers: { authorization: `Bearer ${tokenFor(tenant, 'viewer')}`, 'last-event-id': '3' } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const resumed = [];
    for await (const event of readEventStream(response.body!)) resumed.push({ id: event.id, type: event.event });
    expect(resumed).toEqual(all.slice(3).map((item) => ({ id: String(item.seq), type: item.type })));
  });

  it('events another worker stores reach the stream too (the store is the source, not this process)', async () => {
    const store = createMemoryRunStore();
    const queue = createMemoryJobQueue();
    const api = await startApiServer({ engine: { store, queue } });
    stopAfter.push(() => api.close());
    // This process only serves the API: another engine on the same store advances the run.
    await api.engine.stop();
    const worker: Engine = createEngine({ registry: api.engine.registry, store, queue });
    worker.start();
    stopAfter.push(() => worker.stop());
    const runId = await startPausingRun(api);
    const received = await collect(api, runId);
    expect(received.at(-1)?.type).toBe('run.succeeded');
    expect(received.map((item) => item.seq)).toEqual(received.map((_, index) => index + 1));
  });

  it('a client that goes away ends its stream on the server: no listener or store poll is left behind', async () => {
    const api = await startApiServer();
    stopAfter.push(() => api.close());
    const client = api.client(tenant, 'editor');
    await client.createWorkflow({
      body: {
        definition: {
          id: 'waits',
          name: 'Waits',
          nodes: [
            { id: 'start', type: 'core.manual' },
            { id: 'wait', type: 'core.waitForEvent', config: { timeoutMs: 3_600_000 } },
          ],
          edges: [{ id: 'e1', source: 'start', target: 'wait' }],
        },
      },
    });
    await client.publishWorkflow({ params: { workflowId: 'waits' } });
    const { runId } = await client.startRun({ body: { workflowId: 'waits', inputs: {} } });
    // Counts the stream's subscriptions to the engine's events, open and closed.
    let open = 0;
    const on = api.engine.on.bind(api.engine);
    (api.engine as { on: typeof on }).on = (name, listener) => {
      open++;
      const off = on(name, listener);
      return () => {
        open--;
        off();
      };
    };
    const listeners = (): number => open;
    const before = listeners();
    const controller = new AbortController();
    const response = await fetch(`${api.baseUrl}/runs/${runId}/events`, { headers: { authorization: `Bearer ${tokenFor(tenant, 'viewer')}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    expect(listeners()).toBe(before + 1);
    controller.abort();
    const deadline = Date.now() + 5_000;
    while (listeners() !== before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listeners()).toBe(before);
  });

  it('a finished run streams its whole log and ends at once; an unknown run is a 404 problem', async () => {
    const api = await startApiServer();
    stopAfter.push(() => api.close());
    const runId = await startPausingRun(api);
    await collect(api, runId);
    const again = await collect(api, runId);
    expect(again.at(-1)?.type).toBe('run.succeeded');
    const missing = await api.fetch('/runs/run_missing/events', { as: { tenantId: tenant, role: 'viewer' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
