import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asRunId,
  asTenantId,
  coreNodes,
  createEngine,
  createMemoryJobQueue,
  createMemoryRunStore,
  createRegistry,
  defineNode,
  isBlobRef,
  type Engine,
  type RunStore,
  type WorkflowInput,
} from '@pipewright/core';
import { blobStoreContract } from '@pipewright/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFsBlobStore } from './fs-blob-store';
import { tenantDirectory } from './tenant-directory';

const directories: string[] = [];

async function newDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'pw-blobs-'));
  directories.push(directory);
  return directory;
}

afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

blobStoreContract({ name: 'file system', create: async () => createFsBlobStore({ directory: await newDirectory() }) });

/** Every file under `directory`, relative to it. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
    .sort();
}

describe('createFsBlobStore', () => {
  it('lays blobs out per tenant, fanned out by the first two hex digits, and leaves no temporary file', async () => {
    const directory = await newDirectory();
    const blobs = createFsBlobStore({ directory: join(directory, 'nested', 'blobs') });
    const info = await blobs.put(asTenantId('acme'), new TextEncoder().encode('hello'));
    await blobs.put(asTenantId('../Other Tenant'), new TextEncoder().encode('hello'));
    expect(await filesUnder(join(directory, 'nested', 'blobs'))).toEqual(
      [join('acme', info.id.slice(0, 2), info.id), join(tenantDirectory('../Other Tenant'), info.id.slice(0, 2), info.id)].sort(),
    );
    expect(tenantDirectory('../Other Tenant')).toMatch(/^~[0-9a-f]{64}$/);
    expect(tenantDirectory('nul')).toMatch(/^~/);
    expect(tenantDirectory('Acme')).not.toBe(tenantDirectory('acme'));
  });
});

const big = defineNode({
  type: 'test.big',
  version: 1,
  title: 'Big',
  description: 'Returns about 5 MB of items',
  category: 'Test',
  configSchema: z.object({ count: z.number() }),
  sideEffects: false,
  run: ({ config }) => ({ items: Array.from({ length: config.count }, (_, id) => ({ id, name: `item-${id}`, pad: 'x'.repeat(64) })) }),
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
const registry = createRegistry([...coreNodes, big, echo]);

const workflow: WorkflowInput = {
  id: 'fs-offload',
  name: 'Offload to files',
  nodes: [
    { id: 'start', type: 'core.manual' },
    { id: 'big', type: 'test.big', config: { count: 50_000 } },
    { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 300 } },
    { id: 'read', type: 'test.echo', config: { value: '{{ steps.big.output.items[31337].name }}' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'big' },
    { id: 'e2', source: 'big', target: 'wait' },
    { id: 'e3', source: 'wait', target: 'read' },
  ],
};

describe('an engine offloading to the file system', () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
  });

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const giveUpAt = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > giveUpAt) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('stores a 5 MB output as one file, and a worker started later reads it back for the steps after', async () => {
    const directory = await newDirectory();
    const store: RunStore = createMemoryRunStore();
    const queue = createMemoryJobQueue();
    const ctx = { tenantId: 'acme' };
    const first = createEngine({ registry, store, queue, blobs: createFsBlobStore({ directory }) });
    engines.push(first);
    first.start();
    await first.workflows.save(ctx, workflow);
    const version = await first.workflows.publish(ctx, workflow.id);
    const { runId } = await first.runs.start(ctx, { versionId: version.id }, {});
    await until('the large step to be recorded', async () => (await first.runs.get(ctx, runId)).steps.some((step) => step.nodeId === 'wait' && step.status === 'waiting'));
    // The first worker goes away; a second one, with its own blob store over the same directory, finishes the run.
    await first.stop();

    const files = await filesUnder(directory);
    expect(files).toHaveLength(1);
    const size = (await stat(join(directory, files[0] as string))).size;
    expect(size).toBeGreaterThan(5_000_000);
    const events = await store.readEvents(asTenantId(ctx.tenantId), asRunId(runId));
    const succeeded = events.find((entry) => entry.event.type === 'step.succeeded' && entry.event.nodeId === 'big');
    expect(JSON.stringify(succeeded).length).toBeLessThan(1024);
    expect(succeeded?.event.type === 'step.succeeded' && isBlobRef(succeeded.event.output) && succeeded.event.output.$blob.bytes).toBe(size);

    const second = createEngine({ registry, store, queue, blobs: createFsBlobStore({ directory }) });
    engines.push(second);
    second.start();
    await until('the run to finish', async () => ['succeeded', 'failed'].includes((await second.runs.get(ctx, runId)).status));
    const view = await second.runs.get(ctx, runId);
    expect(view.status).toBe('succeeded');
    expect(view.output).toEqual({ value: 'item-31337' });
    expect(await filesUnder(directory)).toEqual(files);
    const output = (await second.runs.output(ctx, runId, 'big')) as { items: unknown[] };
    expect(output.items).toHaveLength(50_000);
  });
});
