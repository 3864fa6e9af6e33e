import { describe, expect, it } from 'vitest';
import { asRunId, asTenantId, asWorkflowId, asWorkflowVersionId } from '../ids';
import type { BlobStore } from '../ports/blob-store';
import { createMemoryBlobStore } from '../ports/memory-blob-store';
import { createMemoryRunStore } from '../ports/memory-run-store';
import type { RunStore } from '../ports/run-store';
import type { RunEvent } from '../runtime/run-events';
import { isBlobRef } from './blob-ref';
import { offloadingRunStore } from './offloading-run-store';
import { parsePayloadOptions } from './payload-options';
import { Payloads } from './payloads';
import { pipewrightRejection as rejection } from '../testing/rejection';

const tenantId = asTenantId('t1');
const limits = parsePayloadOptions({ offloadAboveBytes: 100, maxStepOutputBytes: 10_000, maxRunPayloadBytes: 50_000 });
const large = { text: 'x'.repeat(500) };

describe('Payloads', () => {
  it('has the documented defaults', () => {
    expect(parsePayloadOptions()).toEqual({ offloadAboveBytes: 262_144, maxStepOutputBytes: 16 * 1024 * 1024, maxRunPayloadBytes: 64 * 1024 * 1024 });
  });

  it('offloads each large payload, one variable or item at a time, and reads them back', async () => {
    const payloads = new Payloads(limits, createMemoryBlobStore());
    const events: RunEvent[] = [
      { type: 'step.succeeded', nodeId: 'a', attempt: 1, output: { small: true }, durationMs: 0 },
      { type: 'step.succeeded', nodeId: 'b', attempt: 1, output: large, durationMs: 0 },
      { type: 'variables.set', nodeId: 'c', variables: { small: 1, big: large } },
      { type: 'step.waiting', nodeId: 'd', kind: 'children', items: [1, large, 'x'.repeat(300)] },
      { type: 'signal.received', nodeId: 'e', payload: 'y'.repeat(300) },
    ];
    const offloaded = await payloads.offloadEvents(tenantId, events);
    expect(offloaded[0]).toBe(events[0]);
    const [, b, c, d, e] = offloaded as [RunEvent, RunEvent, RunEvent, RunEvent, RunEvent];
    expect(b.type === 'step.succeeded' && isBlobRef(b.output)).toBe(true);
    expect(c.type === 'variables.set' && c.variables['small'] === 1 && isBlobRef(c.variables['big'])).toBe(true);
    expect(d.type === 'step.waiting' && d.items?.[0] === 1 && isBlobRef(d.items[1]) && isBlobRef(d.items[2])).toBe(true);
    expect(e.type === 'signal.received' && isBlobRef(e.payload)).toBe(true);
    // The events given are not changed: the run's state still holds the values.
    expect(events[1]).toMatchObject({ output: large });

    const fresh = new Payloads(limits, payloads.blobs);
    const resolved = await fresh.resolveEvents(tenantId, [...offloaded]);
    expect(resolved.events).toEqual(events);
    expect(resolved.offloaded).toEqual(new Map([['b', JSON.stringify(large).length]]));
  });

  it('refuses to read a blob that does not match its reference, and reports a missing one', async () => {
    const blobs = createMemoryBlobStore();
    const payloads = new Payloads(limits, blobs);
    const [event] = await payloads.offloadEvents(tenantId, [{ type: 'step.succeeded', nodeId: 'b', attempt: 1, output: large, durationMs: 0 }]);
    const ref = event?.type === 'step.succeeded' ? event.output : undefined;
    if (!isBlobRef(ref)) throw new Error('expected a reference');
    const forged = { $blob: { ...ref.$blob, sha256: 'f'.repeat(64) } };
    expect((await rejection(payloads.resolve(tenantId, forged))).code).toBe('internal');
    expect((await rejection(payloads.resolve(asTenantId('t2'), ref))).code).toBe('not_found');
    expect(await payloads.resolve(tenantId, ref)).toEqual(large);
  });

  it('measures small values with the bound and large ones exactly, in UTF-8', () => {
    const payloads = new Payloads(limits, undefined);
    expect(payloads.measure({ a: 1 })).toEqual({ bytes: 13 });
    const accented = 'é'.repeat(100);
    expect(payloads.measure(accented)).toEqual({ bytes: 202, json: JSON.stringify(accented) });
    const cycle: Record<string, unknown> = { text: 'x'.repeat(200) };
    cycle['self'] = cycle;
    expect(payloads.measure(cycle).error).toBeInstanceOf(TypeError);
  });
});

/** A run store whose methods use `this`, as a class-based adapter's do. */
function countingStore(): RunStore & { calls: number } {
  const base = createMemoryRunStore();
  return {
    ...base,
    calls: 0,
    createRun(...args) {
      this.calls++;
      return base.createRun(...args);
    },
    readEvents(...args) {
      this.calls++;
      return base.readEvents(...args);
    },
    getRun(...args) {
      this.calls++;
      return base.getRun(...args);
    },
  };
}

describe('offloadingRunStore', () => {
  it('offloads the run input of createRun and leaves the other methods to the store, bound to it', async () => {
    const blobs: BlobStore = createMemoryBlobStore();
    const inner = countingStore();
    const store = offloadingRunStore(inner, new Payloads(limits, blobs));
    const runId = asRunId('run_1');
    const created: RunEvent = {
      type: 'run.created',
      runId,
      tenantId,
      workflowId: asWorkflowId('wf'),
      versionId: asWorkflowVersionId('v1'),
      input: large,
      triggerNodeId: 'start',
      startedAt: 0,
      resumeSecret: 's',
      variables: {},
    };
    await store.createRun(
      { tenantId, id: runId, workflowId: asWorkflowId('wf'), versionId: asWorkflowVersionId('v1'), status: 'queued', createdAt: 0, updatedAt: 0, lastSeq: 0 },
      [created, { type: 'step.succeeded', nodeId: 'start', attempt: 1, output: large, durationMs: 0 }],
    );
    const stored = await store.readEvents(tenantId, runId);
    expect(stored.map(({ event }) => (event.type === 'run.created' ? event.input : event.type === 'step.succeeded' ? event.output : undefined)).every(isBlobRef)).toBe(true);
    expect((await store.getRun(tenantId, runId))?.id).toBe(runId);
    expect(store.readEvents).toBe(store.readEvents);
    expect(inner.calls).toBe(3);
  });
});
