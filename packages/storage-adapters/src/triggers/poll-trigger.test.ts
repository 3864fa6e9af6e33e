import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreNodes, createEngine, createRegistry, defineConnector, defineTrigger, type Engine, type RunStore } from '@pipewright/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createStorage, type Storage } from '../create-storage';

/** A feed of items served in pages, oldest first: `GET /items?after=<id>` → `{ items, next }`. */
const items: Array<{ id: number; title: string }> = [];
let feed: Server;
let feedUrl = '';
const requests: string[] = [];
const directory = mkdtempSync(join(tmpdir(), 'pw-poll-'));

beforeAll(async () => {
  for (let id = 1; id <= 25; id++) items.push({ id, title: `item ${id}` });
  feed = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://feed');
    requests.push(url.search);
    const after = Number(url.searchParams.get('after') ?? 0);
    const page = items.filter((item) => item.id > after).slice(0, 10);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: page }));
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => feed.close(() => resolve()));
  rmSync(directory, { recursive: true, force: true });
});

const feedConnector = defineConnector({
  id: 'feed',
  name: 'Feed',
  auth: { type: 'none' },
  nodes: [],
  triggers: [
    defineTrigger({
      type: 'feed.newItems',
      version: 1,
      title: 'New items',
      description: 'Each new item of the feed',
      category: 'Test',
      source: 'poll',
      configSchema: z.object({ pollIntervalMs: z.number().default(30) }),
      sideEffects: false,
      pollIntervalMs: 30,
      poll: async ({ cursor, signal }) => {
        const after = typeof cursor === 'number' ? cursor : 0;
        const response = await fetch(`${feedUrl}/items?after=${after}`, { signal });
        const page = (await response.json()) as { items: Array<{ id: number; title: string }> };
        const last = page.items[page.items.length - 1];
        return { items: page.items.map((item) => ({ id: String(item.id), data: item })), cursor: last?.id ?? after };
      },
    }),
  ],
});

/** A store whose first cursor write fails, as if the worker died right after starting the runs of a page. */
function losingFirstCursor(store: RunStore): RunStore {
  let failed = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'putFlowState') {
        return async (...args: Parameters<RunStore['putFlowState']>) => {
          if (!failed && args[1].startsWith('poll:')) {
            failed = true;
            throw new Error('worker died before storing the cursor');
          }
          return target.putFlowState(...args);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

async function runItemIds(engine: Engine): Promise<number[]> {
  const page = await engine.runs.list({ tenantId: 'acme' }, { workflowId: 'feed' }, { limit: 500 });
  const views = await Promise.all(page.items.map((run) => engine.runs.get({ tenantId: 'acme' }, run.id)));
  return views.map((view) => (view.input as { id: number }).id).sort((a, b) => a - b);
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 25) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

it('starts exactly one run per item across a lost cursor write and a restart', { timeout: 60_000 }, async () => {
  const connection = `sqlite:${join(directory, 'poll.db')}`;
  const ctx = { tenantId: 'acme' };
  let storage: Storage = await createStorage({ connection, pollIntervalMs: 10 });
  let engine = createEngine({ registry: createRegistry([...coreNodes, feedConnector]), store: losingFirstCursor(storage.store), queue: storage.queue });
  await engine.workflows.save(ctx, { id: 'feed', name: 'Feed', nodes: [{ id: 'new', type: 'feed.newItems', config: {} }], edges: [] });
  await engine.workflows.publish(ctx, 'feed');
  await engine.triggers.enable(ctx, 'feed');
  engine.start();
  await waitFor('all 25 items', async () => (await runItemIds(engine)).length >= 25);
  // The first page was fetched twice (its cursor was lost) and still made ten runs.
  expect(requests.filter((search) => search === '?after=0').length).toBeGreaterThanOrEqual(2);
  await engine.stop();
  await storage.close();

  // Restart on the same database, with new items waiting.
  for (let id = 26; id <= 35; id++) items.push({ id, title: `item ${id}` });
  storage = await createStorage({ connection, pollIntervalMs: 10 });
  engine = createEngine({ registry: createRegistry([...coreNodes, feedConnector]), store: storage.store, queue: storage.queue });
  engine.start();
  try {
    await waitFor('items 26 to 35', async () => (await runItemIds(engine)).length >= 35);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await runItemIds(engine)).toEqual(Array.from({ length: 35 }, (_, index) => index + 1));
  } finally {
    await engine.stop();
    await storage.close();
  }
});
