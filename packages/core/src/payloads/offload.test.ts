import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { asRunId, asTenantId } from '../ids';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createMemoryBlobStore, type MemoryBlobStore } from '../ports/memory-blob-store';
import type { StoredRunEvent } from '../ports/run-store';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import type { RunEventOf } from '../runtime/run-events';
import { createTestEngine, type TestEngine } from '../testing/test-engine';
import { isBlobRef } from './blob-ref';
import type { PayloadOptions } from './payload-options';
import { pipewrightRejection as rejection } from '../testing/rejection';

/** `{ items: [{ id, name, pad }] }`, `count` items of about 100 bytes each as JSON. */
function bigValue(count: number): { items: Array<{ id: number; name: string; pad: string }> } {
  return { items: Array.from({ length: count }, (_, id) => ({ id, name: `item-${id}`, pad: 'x'.repeat(64) })) };
}

const big = defineNode({
  type: 'test.big',
  version: 1,
  title: 'Big',
  description: 'Returns `count` items of about 100 bytes',
  category: 'Test',
  configSchema: z.object({ count: z.number(), async: z.boolean().default(false) }),
  sideEffects: false,
  run: ({ config }) => (config.async ? Promise.resolve(bigValue(config.count)) : bigValue(config.count)),
});
const echo = defineNode({
  type: 'test.echo',
  version: 1,
  title: 'Echo',
  description: 'Returns its config value',
  category: 'Test',
  configSchema: z.object({ value: z.unknown() }),
  sideEffects: false,
  run: ({ config }) => ({ value: config.value }),
});
const measure = defineNode({
  type: 'test.measure',
  version: 1,
  title: 'Measure',
  description: 'Counts the items of its input',
  category: 'Test',
  configSchema: z.object({}),
  sideEffects: false,
  run: ({ input }) => ({ count: (input as { items?: unknown[] }).items?.length ?? -1 }),
});
const text = defineNode({
  type: 'test.text',
  version: 1,
  title: 'Text',
  description: 'Returns a string of `length` characters, or an object that refers to itself',
  category: 'Test',
  configSchema: z.object({ length: z.number(), cycle: z.boolean().default(false) }),
  sideEffects: false,
  run: ({ config }) => {
    if (!config.cycle) return 'é'.repeat(config.length);
    const value: Record<string, unknown> = { text: 'x'.repeat(config.length) };
    value['self'] = value;
    return value;
  },
});
const registry = createRegistry([...coreNodes, big, echo, measure, text]);

type NodeInput = WorkflowInput['nodes'][number];

function chain(id: string, nodes: NodeInput[]): WorkflowInput {
  const all: NodeInput[] = [{ id: 'start', type: 'core.manual' }, ...nodes];
  const edges = all.slice(1).map((node, index) => ({ id: `e${index}`, source: (all[index] as NodeInput).id, target: node.id }));
  return { id, name: id, nodes: all, edges };
}

const fiveMb = 50_000; // items: about 5.2 MB of JSON
let engine: TestEngine | undefined;
let blobs: MemoryBlobStore;

function setUp(payloads?: PayloadOptions): TestEngine {
  blobs = createMemoryBlobStore();
  engine = createTestEngine(payloads === undefined ? { registry, blobs } : { registry, blobs, payloads });
  return engine;
}

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

async function eventsOf(engine: TestEngine, runId: string): Promise<StoredRunEvent[]> {
  return engine.store.readEvents(asTenantId(engine.ctx.tenantId), asRunId(runId));
}

function succeeded(events: StoredRunEvent[], nodeId: string): RunEventOf<'step.succeeded'> {
  const found = events.map((entry) => entry.event).find((event) => event.type === 'step.succeeded' && event.nodeId === nodeId);
  if (found?.type !== 'step.succeeded') throw new Error(`No step.succeeded for ${nodeId}`);
  return found;
}

describe('payload offload', () => {
  it.each([false, true])('stores a 5 MB step output once as a blob, keeps the event small, and a later expression reads it (async node: %s)', async (async) => {
    const engine = setUp();
    const view = await engine.run(
      chain('offload', [
        { id: 'big', type: 'test.big', config: { count: fiveMb, async } },
        { id: 'read', type: 'test.echo', config: { value: '{{ steps.big.output.items[4242].name }}' } },
        // A delay parks the run: the step after it runs on a fresh load of the log, which reads the blob.
        { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 60_000 } },
        { id: 'later', type: 'test.echo', config: { value: '{{ steps.big.output.items[49999].id }}' } },
      ]),
    );
    expect(view.status).toBe('succeeded');
    expect(view.output).toEqual({ value: 49999 });
    expect(view.steps.find((step) => step.nodeId === 'read')?.output).toEqual({ value: 'item-4242' });

    const expectedBytes = new TextEncoder().encode(JSON.stringify(bigValue(fiveMb))).byteLength;
    expect(expectedBytes).toBeGreaterThan(5_000_000);
    const stored = blobs.list(asTenantId(engine.ctx.tenantId));
    expect(stored).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expectedBytes, sha256: expect.any(String) }]);

    const events = await eventsOf(engine, view.id);
    const event = succeeded(events, 'big');
    expect(isBlobRef(event.output)).toBe(true);
    expect(event.output).toEqual({ $blob: { id: stored[0]?.id, bytes: expectedBytes, sha256: stored[0]?.sha256 } });
    expect(JSON.stringify(events.find((entry) => entry.event === event)).length).toBeLessThan(1024);
    // Nothing else carries the value either: not the run view, not the rest of the log.
    expect(JSON.stringify(events).length).toBeLessThan(10_000);
    expect(isBlobRef(view.steps.find((step) => step.nodeId === 'big')?.output)).toBe(true);

    const output = (await engine.runs.output(engine.ctx, view.id, 'big')) as ReturnType<typeof bigValue>;
    expect(output.items).toHaveLength(fiveMb);
    expect(output.items[123]).toEqual({ id: 123, name: 'item-123', pad: 'x'.repeat(64) });
    expect(await engine.runs.output(engine.ctx, view.id)).toEqual({ value: 49999 });
  });

  it('writes the reference again when a control node passes a large value on, and the next step gets the value', async () => {
    const engine = setUp();
    const view = await engine.run(
      chain('pass-on', [
        { id: 'big', type: 'test.big', config: { count: 5_000 } },
        { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 1_000 } },
        { id: 'count', type: 'test.measure' },
        { id: 'again', type: 'core.delay', config: { mode: 'duration', durationMs: 1_000 } },
      ]),
    );
    expect(view.status).toBe('succeeded');
    const events = await eventsOf(engine, view.id);
    expect(succeeded(events, 'count').output).toEqual({ count: 5_000 });
    const ref = succeeded(events, 'big').output;
    expect(isBlobRef(ref)).toBe(true);
    expect(succeeded(events, 'wait').output).toEqual(ref);
    expect(JSON.stringify(events).length).toBeLessThan(10_000);
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toHaveLength(1);
  });

  it('keeps the run output as a reference when the last step returns a large value', async () => {
    const engine = setUp();
    const view = await engine.run(chain('big-output', [{ id: 'big', type: 'test.big', config: { count: 5_000 } }]));
    expect(view.status).toBe('succeeded');
    expect(isBlobRef(view.output)).toBe(true);
    const runOutput = (await engine.runs.output(engine.ctx, view.id)) as ReturnType<typeof bigValue>;
    expect(runOutput.items).toHaveLength(5_000);
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toHaveLength(1);
  });

  it('offloads a large string, and a step returning the same content reuses its blob', async () => {
    const engine = setUp();
    const view = await engine.run(
      chain('string', [
        { id: 'text', type: 'test.text', config: { length: 200_000 } },
        { id: 'copy', type: 'test.echo', config: { value: '{{ steps.text.output }}' } },
        { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 1_000 } },
        { id: 'length', type: 'test.echo', config: { value: '{{ length(steps.copy.output.value) }}' } },
      ]),
    );
    expect(view.status).toBe('succeeded');
    const events = await eventsOf(engine, view.id);
    expect(isBlobRef(succeeded(events, 'text').output)).toBe(true);
    expect(isBlobRef(succeeded(events, 'copy').output)).toBe(true);
    expect(JSON.stringify(events).length).toBeLessThan(10_000);
    // 'copy' returns `{ value: <the string> }`: other JSON, another blob; the delay passes it on by reference.
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toHaveLength(2);
    expect(await engine.runs.output(engine.ctx, view.id, 'text')).toBe('é'.repeat(200_000));
  });

  it('fails a step whose large output cannot be stored as JSON', async () => {
    const engine = setUp();
    const view = await engine.run(chain('cycle', [{ id: 'cycle', type: 'test.text', config: { length: 300_000, cycle: true } }]));
    expect(view.status).toBe('failed');
    const error = view.steps.find((step) => step.nodeId === 'cycle')?.error;
    expect(error).toMatchObject({ code: 'fatal', retryable: false, details: { nodeId: 'cycle' } });
    expect(error?.message).toMatch(/^The output of step "cycle" cannot be stored as JSON: /);
  });

  it('keeps small outputs in the event log', async () => {
    const engine = setUp();
    const view = await engine.run(chain('small', [{ id: 'big', type: 'test.big', config: { count: 10 } }]));
    const events = await eventsOf(engine, view.id);
    expect(succeeded(events, 'big').output).toEqual(bigValue(10));
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toEqual([]);
  });

  it('offloads a large run input, and expressions read it through the trigger', async () => {
    const engine = setUp();
    const version = await engine.deploy(chain('input', [{ id: 'read', type: 'test.echo', config: { value: '{{ trigger.items[777].name }}' } }]));
    const input = bigValue(20_000);
    const { runId } = await engine.runs.start(engine.ctx, { versionId: version.id }, input);
    const view = await engine.settle(runId);
    expect(view.status).toBe('succeeded');
    expect(view.output).toEqual({ value: 'item-777' });
    expect(isBlobRef(view.input)).toBe(true);

    const events = await eventsOf(engine, runId);
    const created = events[0]?.event;
    expect(created?.type === 'run.created' && isBlobRef(created.input)).toBe(true);
    expect(succeeded(events, 'start').output).toEqual(created?.type === 'run.created' ? created.input : undefined);
    expect(JSON.stringify(events).length).toBeLessThan(10_000);
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toHaveLength(1);
    expect(await engine.runs.output(engine.ctx, runId, 'start')).toEqual(input);
  });

  it('stores a large input object shared by runs of two tenants in each tenant', async () => {
    const engine = setUp();
    const workflow = chain('shared-input', [{ id: 'read', type: 'test.echo', config: { value: '{{ trigger.items[5].name }}' } }]);
    const other = { tenantId: 'other-tenant' };
    const version = await engine.deploy(workflow);
    await engine.workflows.save(other, workflow);
    const otherVersion = await engine.workflows.publish(other, workflow.id);
    const input = bigValue(20_000);
    const first = await engine.runs.start(engine.ctx, { versionId: version.id }, input);
    const second = await engine.runs.start(other, { versionId: otherVersion.id }, input);
    expect((await engine.settle(first.runId)).output).toEqual({ value: 'item-5' });
    // The second run is in another tenant than the helpers use: wait for it by hand (hashing runs off the event loop).
    for (let waited = 0; waited < 5_000 && (await engine.runs.get(other, second.runId)).status !== 'succeeded'; waited += 5) {
      await engine.clock.flush();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await engine.runs.get(other, second.runId)).toMatchObject({ status: 'succeeded', output: { value: 'item-5' } });
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toHaveLength(1);
    expect(blobs.list(asTenantId(other.tenantId))).toHaveLength(1);
  });

  it('refuses a run input over the step limit at runs.start', async () => {
    const engine = setUp({ offloadAboveBytes: 1_000, maxStepOutputBytes: 50_000 });
    const version = await engine.deploy(chain('input-limit', [{ id: 'read', type: 'test.echo', config: { value: 1 } }]));
    const error = await rejection(engine.runs.start(engine.ctx, { versionId: version.id }, bigValue(1_000)));
    expect(error.code).toBe('payload_too_large');
    expect(error.details).toMatchObject({ nodeId: 'start', limit: 50_000, scope: 'input' });
    expect(error.details['bytes']).toBeGreaterThan(50_000);
    expect((await engine.runs.list(engine.ctx)).items).toEqual([]);
  });

  it('fails a step whose output is over the step limit, without retrying it', async () => {
    const engine = setUp({ offloadAboveBytes: 1_000, maxStepOutputBytes: 50_000 });
    const view = await engine.run(
      chain('step-limit', [
        { id: 'big', type: 'test.big', config: { count: 1_000 }, retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 10, jitter: 'none' } },
        { id: 'after', type: 'test.echo', config: { value: 1 } },
      ]),
    );
    expect(view.status).toBe('failed');
    const step = view.steps.find((entry) => entry.nodeId === 'big');
    expect(step?.attempts).toBe(1);
    const bytes = new TextEncoder().encode(JSON.stringify(bigValue(1_000))).byteLength;
    expect(step?.error).toEqual({
      code: 'payload_too_large',
      message: `The output of step "big" is ${bytes} bytes of JSON, over the limit of 50000 bytes (payloads.maxStepOutputBytes)`,
      retryable: false,
      details: { nodeId: 'big', bytes, limit: 50_000, scope: 'step', option: 'maxStepOutputBytes' },
    });
    expect(view.error?.code).toBe('payload_too_large');
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toEqual([]);
  });

  it('fails the step whose output takes the run over the run limit', async () => {
    const engine = setUp({ offloadAboveBytes: 1_000, maxStepOutputBytes: 40_000, maxRunPayloadBytes: 100_000 });
    const view = await engine.run(
      chain('run-limit', [
        { id: 'a', type: 'test.big', config: { count: 300 } },
        { id: 'b', type: 'test.big', config: { count: 301 } },
        { id: 'c', type: 'test.big', config: { count: 302 } },
        { id: 'd', type: 'test.big', config: { count: 303 } },
      ]),
    );
    expect(view.status).toBe('failed');
    expect(view.steps.map((step) => step.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed']);
    const error = view.steps.find((step) => step.nodeId === 'd')?.error;
    expect(error).toMatchObject({ code: 'payload_too_large', retryable: false, details: { nodeId: 'd', limit: 100_000, scope: 'run' } });
    const sizes = [300, 301, 302, 303].map((count) => new TextEncoder().encode(JSON.stringify(bigValue(count))).byteLength);
    // The exact total: the input `{}` and the four outputs.
    expect(error?.details?.['bytes']).toBe(2 + sizes.reduce((sum, size) => sum + size, 0));
  });

  it('counts outputs recorded before a reload against the run limit', async () => {
    const engine = setUp({ offloadAboveBytes: 1_000, maxStepOutputBytes: 40_000, maxRunPayloadBytes: 100_000 });
    const view = await engine.run(
      chain('run-limit-reload', [
        { id: 'a', type: 'test.big', config: { count: 300 } },
        { id: 'small', type: 'test.big', config: { count: 5 } },
        { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 1_000 } },
        { id: 'b', type: 'test.big', config: { count: 301 } },
        { id: 'c', type: 'test.big', config: { count: 302 } },
        { id: 'd', type: 'test.big', config: { count: 303 } },
      ]),
    );
    expect(view.status).toBe('failed');
    expect(view.steps.find((step) => step.nodeId === 'd')?.error?.code).toBe('payload_too_large');
    expect(view.steps.find((step) => step.nodeId === 'c')?.status).toBe('succeeded');
  });

  it('reruns and replays a run with offloaded payloads', async () => {
    const engine = setUp();
    const workflow = chain('rerun', [
      { id: 'big', type: 'test.big', config: { count: 5_000 } },
      { id: 'count', type: 'test.measure' },
    ]);
    // An input schema: the rerun checks the original input again, so it must read it back from the blob.
    const withSchema = workflow.nodes.map((node) => (node.id === 'start' ? { ...node, config: { inputSchema: { type: 'object' } } } : node));
    const version = await engine.deploy({ ...workflow, nodes: withSchema });
    const { runId } = await engine.runs.start(engine.ctx, { versionId: version.id }, bigValue(4_000));
    expect((await engine.settle(runId)).status).toBe('succeeded');

    const { runId: rerunId } = await engine.runs.rerun(engine.ctx, runId, { fromNodeId: 'count' });
    const rerun = await engine.settle(rerunId);
    expect(rerun.status).toBe('succeeded');
    expect(rerun.output).toEqual({ count: 5_000 });
    expect(blobs.list(asTenantId(engine.ctx.tenantId))).toHaveLength(2);

    const replay = await engine.runs.replay(engine.ctx, runId);
    expect(replay.ok).toBe(true);
  });

  it('keeps large payloads inline without a blob store, and still enforces the limits', async () => {
    const { createMemoryRunStore } = await import('../ports/memory-run-store');
    const { createEngine } = await import('../runtime/engine');
    const warnings: string[] = [];
    const store = createMemoryRunStore();
    const plain = createEngine({
      registry,
      store,
      payloads: { offloadAboveBytes: 1_000, maxStepOutputBytes: 50_000 },
      logger: { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message) => warnings.push(message) },
    });
    plain.start();
    try {
      const ctx = { tenantId: 'inline' };
      await plain.workflows.save(ctx, chain('inline', [{ id: 'big', type: 'test.big', config: { count: 200 } }]));
      const version = await plain.workflows.publish(ctx, 'inline');
      const { runId } = await plain.runs.start(ctx, { versionId: version.id }, {});
      const finished = await new Promise<string>((resolve) => {
        plain.on('run.succeeded', (event) => resolve(event.runId));
        plain.on('run.failed', (event) => resolve(event.runId));
      });
      expect(finished).toBe(runId);
      const events = await store.readEvents(asTenantId('inline'), asRunId(runId));
      expect(succeeded(events, 'big').output).toEqual(bigValue(200));
      expect(warnings).toHaveLength(1);

      const tooLarge = await rejection(plain.runs.start(ctx, { versionId: version.id }, bigValue(1_000)));
      expect(tooLarge.code).toBe('payload_too_large');
    } finally {
      await plain.stop();
    }
  });

  it('rejects invalid payload options with every issue', () => {
    let error: unknown;
    try {
      createTestEngine({ registry, payloads: { offloadAboveBytes: -1, maxStepOutputBytes: 1.5 } });
    } catch (thrown) {
      error = thrown;
    }
    expect(PipewrightError.is(error) && error.code).toBe('invalid_input');
    expect((error as PipewrightError).details['issues']).toHaveLength(2);
  });
});
