import { mkdtempSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRunId, asTenantId, asWorkflowId, asWorkflowVersionId } from '@pipewright/core';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { createStorage } from '../create-storage';
import { startSqliteCheckpointer } from './sqlite-checkpointer';

const directory = mkdtempSync(join(tmpdir(), 'pw-checkpointer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('checkpoints the WAL of a SQLite file from its own thread, with automatic checkpoints off', async () => {
  const file = join(directory, 'store.db');
  const storage = await createStorage({ connection: `sqlite:${file}` });
  try {
    const tenantId = asTenantId('acme');
    for (let index = 0; index < 200; index++) {
      const id = asRunId(`run_${index}`);
      await storage.store.createRun(
        { tenantId, id, workflowId: asWorkflowId('wf'), versionId: asWorkflowVersionId('wfv'), status: 'queued', createdAt: index, updatedAt: index, lastSeq: 0 },
        [{ type: 'run.cancel_requested', reason: 'x'.repeat(2_000) }],
      );
    }
    // The main connection leaves checkpoints to the thread...
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(storage.database.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);
    // ...which copies the WAL's pages back into the file: only a checkpoint makes the file itself grow.
    await expect.poll(() => statSync(file).size, { timeout: 5_000 }).toBeGreaterThan(200 * 2_000);
  } finally {
    await storage.close();
  }
});

it('reports a thread that ends on its own, so automatic checkpoints can come back', async () => {
  const lost = new Promise<void>((resolve) => {
    startSqliteCheckpointer(join(directory, 'no-such-folder', 'store.db'), resolve, { intervalMs: 10 });
  });
  await expect(lost).resolves.toBeUndefined();
});

it('rewinds the WAL while writes keep coming, so that it does not grow with every commit', async () => {
  const file = join(directory, 'busy.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (id integer primary key, body text not null)');
  const insert = db.prepare('insert into t (body) values (?)');
  const checkpointer = startSqliteCheckpointer(file, () => undefined, { intervalMs: 5, restartAfterFrames: 50 });
  let commits = 0;
  try {
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      // Commits back to back, as a busy engine makes them; the thread checkpoints meanwhile.
      for (let i = 0; i < 50; i++, commits++) insert.run('x'.repeat(1_000));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await checkpointer.stop();
  }
  // Each commit appends at least one 4 KiB frame: a log that never started over would hold them all.
  const frameBytes = 4_096 + 24;
  expect(commits).toBeGreaterThan(1_000);
  expect(statSync(`${file}-wal`).size).toBeLessThan((commits * frameBytes) / 4);
  db.close();
});
