import { mkdtempSync, rmSync, statSync } from 'node:fs';
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
    startSqliteCheckpointer(join(directory, 'no-such-folder', 'store.db'), resolve, 10);
  });
  await expect(lost).resolves.toBeUndefined();
});
