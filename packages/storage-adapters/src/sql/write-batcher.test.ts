import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { startSqliteCheckpointer } from './sqlite-checkpointer';
import type { StoreDatabase } from './store-database';
import { WriteBatcher } from './write-batcher';

const directory = mkdtempSync(join(tmpdir(), 'pw-write-batcher-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function openFile(file: string): { raw: Database.Database; db: Kysely<StoreDatabase> } {
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('wal_autocheckpoint = 0');
  return { raw, db: new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: raw }) }) };
}

it('loses no write that reads first while the checkpoint thread restarts the WAL', async () => {
  const file = join(directory, 'restarts.db');
  const { raw, db } = openFile(file);
  raw.exec('create table counters (name text primary key, value integer not null)');
  raw.exec('create table entries (id integer primary key, note text not null)');
  raw.exec("insert into counters values ('seen', 0)");
  // A restart as often as the thread can: every pass finds at least one frame to rewind.
  const checkpointer = startSqliteCheckpointer(file, () => undefined, { intervalMs: 1, restartAfterFrames: 1 });
  const batcher = new WriteBatcher(db);
  const failures: unknown[] = [];
  let written = 0;
  try {
    const until = Date.now() + 1_500;
    await Promise.all(
      Array.from({ length: 16 }, async (_, lane) => {
        while (Date.now() < until) {
          try {
            // A read before the write: the transaction holds a snapshot when it asks for the write lock.
            await batcher.write(async (trx) => {
              const { rows } = await sql<{ value: number }>`select value from counters where name = 'seen'`.execute(trx);
              await sql`insert into entries (note) values (${`lane ${lane} after ${rows[0]?.value ?? -1}`})`.execute(trx);
              await sql`update counters set value = value + 1 where name = 'seen'`.execute(trx);
            });
            written++;
          } catch (error) {
            failures.push(error);
          }
        }
      }),
    );
  } finally {
    await checkpointer.stop();
  }
  try {
    expect(failures.map(String).slice(0, 3)).toEqual([]);
    expect(written).toBeGreaterThan(100);
    const { rows } = await sql<{ entries: number; seen: number }>`select (select count(*) from entries) as entries, (select value from counters where name = 'seen') as seen`.execute(db);
    expect(rows[0]).toEqual({ entries: written, seen: written });
  } finally {
    await db.destroy();
  }
});

it('fails only the write that broke a constraint, and commits the others of its batch', async () => {
  const { raw, db } = openFile(join(directory, 'constraint.db'));
  raw.exec('create table names (name text primary key)');
  const batcher = new WriteBatcher(db);
  try {
    const results = await Promise.allSettled(['a', 'b', 'a', 'c'].map((name) => batcher.write((trx) => sql`insert into names (name) values (${name})`.execute(trx))));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const { rows } = await sql<{ name: string }>`select name from names order by name`.execute(db);
    expect(rows.map((row) => row.name)).toEqual(['a', 'b', 'c']);
  } finally {
    await db.destroy();
  }
});
