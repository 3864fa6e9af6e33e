import { coreNodes, createEngine, createRegistry, newId, type Engine } from '@pipewright/core';
import { createFakeClock } from '@pipewright/core/testing';
import { expect, it } from 'vitest';
import { createStorage, type Storage } from '../create-storage';
import { describeWithServer, testServer } from '../test-support/test-servers';

const postgres = await testServer('postgres');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The local day of 2026-10-25 in Berlin, when 03:00 CEST falls back to 02:00 CET: it has
 * 25 hours, 22:00Z to 23:00Z. A quarter-hourly schedule fires every 15 minutes of it,
 * through both passes of the repeated hour; a schedule for 02:30 fires once, at the first.
 */
function everyQuarterHour(): string[] {
  const fires: string[] = [];
  for (let at = Date.UTC(2026, 9, 24, 22, 0); at < Date.UTC(2026, 9, 25, 23, 0); at += 15 * 60_000) fires.push(new Date(at).toISOString());
  return fires;
}

describeWithServer(postgres, 'schedules on three workers sharing PostgreSQL', () => {
  it('start exactly one run per scheduled time over a simulated day with a DST change', { timeout: 240_000 }, async () => {
    const clock = createFakeClock(Date.UTC(2026, 9, 24, 21, 58));
    const tablePrefix = `pwcron${newId('').slice(1, 7)}_`;
    const storages: Storage[] = [];
    const workers: Engine[] = [];
    const ctx = { tenantId: 'acme' };
    try {
      for (let index = 0; index < 3; index++) {
        const storage = await createStorage({ connection: postgres.url, tablePrefix, clock, pollIntervalMs: 1_000 });
        storages.push(storage);
        workers.push(createEngine({ registry: createRegistry([...coreNodes]), store: storage.store, queue: storage.queue, clock, leaseMs: 600_000 }));
      }
      const [first] = workers as [Engine];
      for (const [id, cron] of [
        ['quarterly', '*/15 * * * *'],
        ['nightly', '30 2 * * *'],
      ] as const) {
        await first.workflows.save(ctx, {
          id,
          name: id,
          // A generous grace: the simulated day passes faster than the database answers, and a late fire must still be on time.
          nodes: [{ id: 'tick', type: 'core.schedule', config: { cron, timezone: 'Europe/Berlin', graceMs: 86_400_000 } }],
          edges: [],
        });
        await first.workflows.publish(ctx, id);
        await first.triggers.enable(ctx, id);
      }
      for (const worker of workers) worker.start();

      // Up to just before the next local midnight (23:00Z), which is not part of the day.
      const end = Date.UTC(2026, 9, 25, 22, 58);
      while (clock.now() < end) {
        await clock.advance(60_000);
        await sleep(4);
      }
      // Let the last jobs and runs land.
      for (let round = 0; round < 50; round++) {
        await clock.advance(1_000);
        await sleep(20);
      }
      const firesOf = async (workflowId: string): Promise<string[]> => {
        const page = await first.runs.list(ctx, { workflowId }, { limit: 500 });
        const inputs = await Promise.all(page.items.map(async (run) => ((await first.runs.get(ctx, run.id)).input as { scheduledAt: string }).scheduledAt));
        return inputs.sort();
      };
      const quarterly = everyQuarterHour();
      expect(quarterly).toHaveLength(100);
      // One run per time: no time twice, none left out, across three workers.
      expect(await firesOf('quarterly')).toEqual(quarterly);
      expect(await firesOf('nightly')).toEqual(['2026-10-25T00:30:00.000Z']);
    } finally {
      for (const worker of workers) await worker.stop({ graceful: false });
      const db = storages[0]?.database.db;
      if (db) for (const table of (await db.introspection.getTables()).filter((entry) => entry.name.startsWith(tablePrefix))) await db.schema.dropTable(table.name).execute();
      for (const storage of storages) await storage.close();
    }
  });
});
