import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asTenantId } from '../ids';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createMemoryJobQueue, type MemoryJobQueue } from '../ports/memory-job-queue';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { RunStore } from '../ports/run-store';
import { defineConnector, type ConnectorDefinition } from '../registry/connector-definition';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createEngine, type Engine, type EngineOptions } from '../runtime/engine';
import { createFakeClock, type FakeClock } from '../testing/fake-clock';

/** A request the service saw, stamped with the engine's (fake) clock. */
interface Seen {
  at: number;
  path: string;
  status: number;
}

type Reply = (request: IncomingMessage, response: ServerResponse) => unknown;

interface Service {
  url: string;
  seen: Seen[];
  /** How the service answers the next requests. */
  reply: Reply;
  server: Server;
}

const ctx = { tenantId: 'acme' };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startService(now: () => number): Promise<Service> {
  const service: Service = {
    url: '',
    seen: [],
    reply: (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    server: createServer((request, response) => {
      const entry: Seen = { at: now(), path: request.url ?? '', status: 0 };
      service.seen.push(entry);
      response.on('finish', () => (entry.status = response.statusCode));
      void service.reply(request, response);
    }),
  };
  await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  service.url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  return service;
}

/** A connector whose one action calls the service and throws what an HTTP client would. */
function serviceConnector(id: string, service: Service, flow: Pick<ConnectorDefinition, 'breaker' | 'rateLimit'>): ConnectorDefinition {
  return defineConnector({
    id,
    name: id,
    auth: { type: 'none' },
    ...flow,
    triggers: [],
    nodes: [
      defineNode({
        type: `${id}.call`,
        version: 1,
        title: 'Call',
        description: 'Calls the test service',
        category: 'Test',
        configSchema: z.object({ path: z.string() }),
        sideEffects: true,
        run: async ({ config, signal }) => {
          const response = await fetch(`${service.url}${config.path}`, { signal });
          if (!response.ok) {
            throw Object.assign(new Error(`The service answered ${response.status}`), { status: response.status, headers: response.headers });
          }
          return response.json();
        },
      }),
    ],
  });
}

function callWorkflow(id: string, type: string, retry: Record<string, unknown>): WorkflowInput {
  return {
    id,
    name: id,
    nodes: [
      { id: 'start', type: 'core.manual' },
      { id: 'call', type, config: { path: '/{{ trigger.n }}' }, retry },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'call' }],
  };
}

interface Cluster {
  clock: FakeClock;
  store: RunStore;
  queue: MemoryJobQueue;
  workers: Engine[];
  /** Steps each worker ran. */
  stepsByWorker: number[];
}

/** Two workers (engines) sharing one store and one queue, as two processes share a database. */
function startCluster(options: Omit<EngineOptions, 'store' | 'queue' | 'clock'>): Cluster {
  const clock = createFakeClock();
  const store = createMemoryRunStore();
  const queue = createMemoryJobQueue({ clock });
  const stepsByWorker = [0, 0];
  const workers = [0, 1].map((index) =>
    createEngine({
      ...options,
      store,
      queue,
      clock,
      concurrency: 8,
      hooks: {
        wrapStep: (next) => (stepCtx, definition) => {
          stepsByWorker[index] = (stepsByWorker[index] as number) + 1;
          return next(stepCtx, definition);
        },
      },
    }),
  );
  for (const worker of workers) worker.start();
  return { clock, store, queue, workers, stepsByWorker };
}

/** Real time passes until nothing is leased for a while: HTTP calls run on real sockets. */
async function quiet(cluster: Cluster): Promise<void> {
  let idleTurns = 0;
  for (let turn = 0; turn < 500 && idleTurns < 5; turn++) {
    await cluster.clock.flush();
    await sleep(4);
    idleTurns = cluster.queue.leasedCount() === 0 ? idleTurns + 1 : 0;
  }
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 1_000; turn++) {
    if (await check()) return;
    await sleep(5);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

const finished = new Set(['succeeded', 'failed', 'cancelled']);

/** Moves the fake clock from timer to timer until every run finished. */
async function settleAll(cluster: Cluster, engine: Engine, runIds: readonly string[], maxMs = 600_000): Promise<void> {
  const limit = cluster.clock.now() + maxMs;
  for (;;) {
    await quiet(cluster);
    const views = await Promise.all(runIds.map((runId) => engine.runs.get(ctx, runId)));
    if (views.every((view) => finished.has(view.status))) return;
    const next = cluster.clock.nextTimerAt();
    if (next === undefined || next > limit) throw new Error(`Runs stuck: ${views.map((view) => view.status).join(', ')}`);
    await cluster.clock.advance(Math.max(0, next - cluster.clock.now()));
  }
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setUp(connector: (service: Service) => ConnectorDefinition, options: Pick<EngineOptions, 'flowControl'> = {}) {
  const clockHolder: { clock?: FakeClock } = {};
  // The service stamps requests with the cluster's clock.
  const service = await startService(() => clockHolder.clock?.now() ?? 0);
  const registry = createRegistry([...coreNodes, connector(service)]);
  const cluster = startCluster({ registry, ...options });
  clockHolder.clock = cluster.clock;
  cleanups.push(async () => {
    for (const worker of cluster.workers) await worker.stop({ graceful: false });
    await cluster.queue.close();
    await new Promise<void>((resolve) => service.server.close(() => resolve()));
  });
  const [first] = cluster.workers as [Engine, Engine];
  return { service, cluster, engine: first };
}

describe('circuit breaker', () => {
  it('opens after the configured failures, parks steps, sends one probe, and lets them finish after recovery, across two workers', async () => {
    const { service, cluster, engine } = await setUp((service) =>
      serviceConnector('flaky', service, { breaker: { failureThreshold: 3, windowMs: 60_000, openMs: 10_000, probeTimeoutMs: 30_000 } }),
    );
    await engine.workflows.save(ctx, callWorkflow('wf', 'flaky.call', { maxAttempts: 20, backoff: 'fixed', initialDelayMs: 1_000, jitter: 'none' }));
    await engine.workflows.publish(ctx, 'wf');
    service.reply = (_request, response) => response.writeHead(503).end('down');

    const first = await Promise.all([1, 2, 3].map((n) => engine.runs.start(ctx, { workflowId: 'wf' }, { n })));
    await waitUntil('three failed calls', () => service.seen.filter((entry) => entry.status === 503).length === 3);
    await quiet(cluster);
    const breaker = await engine.breakers.get(ctx, 'flaky:-');
    expect(breaker).toMatchObject({ key: 'flaky:-', state: 'open', failures: 3 });
    const openedAt = breaker?.openedAt as number;

    // Once a worker's cached view of the circuit (1 s) is stale, runs started while it
    // is open park without calling out; so do the retries.
    await cluster.clock.advance(1_000);
    await quiet(cluster);
    const later = await Promise.all([4, 5, 6].map((n) => engine.runs.start(ctx, { workflowId: 'wf' }, { n })));
    await quiet(cluster);
    expect(service.seen).toHaveLength(3);
    const parkedView = await engine.runs.get(ctx, later[0]?.runId as string);
    expect(parkedView.status).toBe('waiting');
    expect(parkedView.steps.find((step) => step.nodeId === 'call')).toMatchObject({
      status: 'parked',
      attempts: 0,
      parked: { reason: 'circuit_open', key: 'flaky:-', until: openedAt + 10_000 },
    });
    expect((await engine.runs.get(ctx, first[0]?.runId as string)).steps.find((step) => step.nodeId === 'call')?.status).toBe('parked');

    // The service recovers, but holds the first request: nothing else may go out meanwhile.
    let releaseProbe = (): void => undefined;
    const probeHeld = new Promise<void>((resolve) => (releaseProbe = resolve));
    let probes = 0;
    service.reply = async (_request, response) => {
      if (probes++ === 0) await probeHeld;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    await cluster.clock.advance(openedAt + 10_000 - cluster.clock.now());
    await waitUntil('the probe', () => service.seen.length === 4);
    await sleep(100);
    await cluster.clock.flush();
    expect(service.seen).toHaveLength(4);
    expect((await engine.breakers.get(ctx, 'flaky:-'))?.state).toBe('half_open');

    releaseProbe();
    const runIds = [...first, ...later].map((run) => run.runId);
    await settleAll(cluster, engine, runIds);
    for (const runId of runIds) expect((await engine.runs.get(ctx, runId)).status).toBe('succeeded');
    expect(service.seen.filter((entry) => entry.status === 200)).toHaveLength(6);
    expect(service.seen).toHaveLength(9);
    expect((await engine.breakers.get(ctx, 'flaky:-'))?.state).toBe('closed');
    // Both workers called the service, through the one shared circuit.
    expect(cluster.stepsByWorker.every((count) => count > 0)).toBe(true);
    const parkings = await Promise.all(runIds.map((runId) => cluster.store.readEvents(asTenantId(ctx.tenantId), runId as never)));
    expect(parkings.every((events) => events.some((entry) => entry.event.type === 'step.parked' && entry.event.reason === 'circuit_open'))).toBe(true);
  });

  it('reopens when the probe fails, and closes on a manual reset', async () => {
    const { service, cluster, engine } = await setUp((service) => serviceConnector('flaky', service, { breaker: { failureThreshold: 1, openMs: 5_000 } }));
    await engine.workflows.save(ctx, callWorkflow('wf', 'flaky.call', { maxAttempts: 20, backoff: 'fixed', initialDelayMs: 100, jitter: 'none' }));
    await engine.workflows.publish(ctx, 'wf');
    service.reply = (_request, response) => response.writeHead(500).end();
    const { runId } = await engine.runs.start(ctx, { workflowId: 'wf' }, { n: 1 });
    await waitUntil('the failure', () => service.seen.length === 1);
    await quiet(cluster);
    expect((await engine.breakers.get(ctx, 'flaky:-'))?.state).toBe('open');
    await cluster.clock.advance(5_000);
    await waitUntil('the probe', () => service.seen.length === 2);
    await quiet(cluster);
    const reopened = await engine.breakers.get(ctx, 'flaky:-');
    expect(reopened).toMatchObject({ state: 'open', retryAt: cluster.clock.now() + 5_000 });

    service.reply = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    await engine.breakers.reset(ctx, 'flaky:-');
    expect((await engine.breakers.list(ctx)).items).toEqual([expect.objectContaining({ key: 'flaky:-', state: 'closed' })]);
    await settleAll(cluster, engine, [runId]);
    expect((await engine.runs.get(ctx, runId)).status).toBe('succeeded');
  });

  it('does not count rejected requests (4xx) as the service failing', async () => {
    const { service, cluster, engine } = await setUp((service) => serviceConnector('strict', service, { breaker: { failureThreshold: 1 } }));
    await engine.workflows.save(ctx, callWorkflow('wf', 'strict.call', { maxAttempts: 1, backoff: 'none' }));
    await engine.workflows.publish(ctx, 'wf');
    service.reply = (_request, response) => response.writeHead(404).end();
    const runs = await Promise.all([1, 2].map((n) => engine.runs.start(ctx, { workflowId: 'wf' }, { n })));
    await settleAll(cluster, engine, runs.map((run) => run.runId));
    expect(service.seen).toHaveLength(2);
    expect((await engine.breakers.get(ctx, 'strict:-'))?.state ?? 'closed').toBe('closed');
  });
});

describe('rate limits', () => {
  it('spreads 50 steps over ≥ 9 s at 5 calls per second, never more than 5 in any second', async () => {
    const { service, cluster, engine } = await setUp((service) => serviceConnector('limited', service, { rateLimit: { requests: 5, perMs: 1_000 } }));
    await engine.workflows.save(ctx, callWorkflow('wf', 'limited.call', { maxAttempts: 3 }));
    await engine.workflows.publish(ctx, 'wf');
    const startedAt = cluster.clock.now();
    const runs = await Promise.all(Array.from({ length: 50 }, (_, n) => engine.runs.start(ctx, { workflowId: 'wf' }, { n })));
    await settleAll(cluster, engine, runs.map((run) => run.runId));
    const views = await Promise.all(runs.map((run) => engine.runs.get(ctx, run.runId)));
    expect(views.every((view) => view.status === 'succeeded')).toBe(true);
    expect(service.seen).toHaveLength(50);
    const stamps = service.seen.map((entry) => entry.at).sort((a, b) => a - b);
    expect(Math.max(...views.map((view) => view.finishedAt as number)) - startedAt).toBeGreaterThanOrEqual(9_000);
    for (let index = 0; index + 5 < stamps.length; index++) {
      expect((stamps[index + 5] as number) - (stamps[index] as number), `calls ${index}..${index + 5}`).toBeGreaterThanOrEqual(1_000);
    }
    const parked = await engine.runs.get(ctx, runs[49]?.runId as string);
    expect(parked.steps.find((step) => step.nodeId === 'call')?.attempts).toBe(1);
  });

  it('obeys a 429 with Retry-After: no call to that connection goes out before it ends', async () => {
    const { service, cluster, engine } = await setUp((service) => serviceConnector('limited', service, { rateLimit: { requests: 5, perMs: 1_000 } }));
    await engine.workflows.save(ctx, callWorkflow('wf', 'limited.call', { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100, jitter: 'none' }));
    await engine.workflows.publish(ctx, 'wf');
    let answered = 0;
    service.reply = (_request, response) => {
      if (answered++ === 0) response.writeHead(429, { 'retry-after': '3' }).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    const runs = await Promise.all(Array.from({ length: 5 }, (_, n) => engine.runs.start(ctx, { workflowId: 'wf' }, { n })));
    await settleAll(cluster, engine, runs.map((run) => run.runId));
    for (const run of runs) expect((await engine.runs.get(ctx, run.runId)).status).toBe('succeeded');
    const limited = service.seen.find((entry) => entry.status === 429) as Seen;
    const after = service.seen.filter((entry) => entry.at > limited.at);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...after.map((entry) => entry.at))).toBeGreaterThanOrEqual(limited.at + 3_000);
    // Calls already set aside before the 429 waited too.
    expect(service.seen.filter((entry) => entry.at > limited.at && entry.at < limited.at + 3_000)).toEqual([]);
  });

  it('lets the host override a connector’s limit and turn its breaker off', async () => {
    const { service, cluster, engine } = await setUp((service) => serviceConnector('limited', service, { rateLimit: { requests: 1, perMs: 1_000 } }), {
      flowControl: { rateLimits: { limited: { requests: 10, perMs: 1_000 } }, breakers: { limited: false } },
    });
    await engine.workflows.save(ctx, callWorkflow('wf', 'limited.call', { maxAttempts: 1, backoff: 'none' }));
    await engine.workflows.publish(ctx, 'wf');
    const startedAt = cluster.clock.now();
    const runs = await Promise.all(Array.from({ length: 10 }, (_, n) => engine.runs.start(ctx, { workflowId: 'wf' }, { n })));
    await settleAll(cluster, engine, runs.map((run) => run.runId));
    const last = Math.max(...service.seen.map((entry) => entry.at));
    expect(last - startedAt).toBe(900);
    expect(await engine.breakers.list(ctx)).toEqual({ items: [] });
  });

  it('rejects invalid flow control options with a typed error', () => {
    expect(() => createEngine({ registry: createRegistry([...coreNodes]), flowControl: { rateLimits: { x: { requests: 0, perMs: 1_000 } } } })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });
});
