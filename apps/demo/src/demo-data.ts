import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateKeyEncryptionKey, parseKeyRing, type KeyEncryptionKeys } from '@pipewright/core';

/** Where a value came from: the environment, a file of an earlier start, or made now. */
export type Origin = 'env' | 'file' | 'generated';

/** The directory for the database, blobs, key and token: `PIPEWRIGHT_DATA_DIR` or `./.data`. */
export async function openDataDir(env: NodeJS.ProcessEnv): Promise<string> {
  const directory = resolve(env['PIPEWRIGHT_DATA_DIR'] ?? './.data');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  return directory;
}

/**
 * Reads a secret kept in `file`, or writes `make()` there (mode 0600) when there is none.
 * `wx` makes the write fail if another process created the file first; then its value wins,
 * so two starts at once still agree on one secret.
 */
async function keptSecret(file: string, make: () => string): Promise<{ value: string; origin: Origin }> {
  try {
    return { value: await readKept(file), origin: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = make();
  try {
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return { value, origin: 'generated' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: await readKept(file), origin: 'file' };
  }
}

async function readKept(file: string): Promise<string> {
  const value = (await readFile(file, 'utf8')).trim();
  // An empty token would let "Bearer " in; an empty key ring would fail later and vaguely.
  if (value === '') throw new Error(`${file} is empty: delete it and start again to make a new one`);
  return value;
}

/**
 * The key ring that seals connection credentials: `PIPEWRIGHT_KEYS` (`<id>:<base64>,...`),
 * or one key generated on the first start and kept in `<data dir>/keys`, so the
 * connections saved in the database can still be opened after a restart.
 */
export async function loadKeyRing(env: NodeJS.ProcessEnv, dataDir: string): Promise<{ keys: KeyEncryptionKeys; origin: Origin; file?: string }> {
  const fromEnv = env['PIPEWRIGHT_KEYS'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { keys: parseKeyRing(fromEnv), origin: 'env' };
  const file = join(dataDir, 'keys');
  const { value, origin } = await keptSecret(file, () => `k1:${generateKeyEncryptionKey()}`);
  return { keys: parseKeyRing(value), origin, file };
}

/** A token for the demo tenant: `PIPEWRIGHT_DEMO_TOKEN`, or made once and kept in `<data dir>/demo-token`. */
export async function loadDemoToken(env: NodeJS.ProcessEnv, dataDir: string): Promise<{ token: string; origin: Origin; file?: string }> {
  const fromEnv = env['PIPEWRIGHT_DEMO_TOKEN'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { token: fromEnv.trim(), origin: 'env' };
  const file = join(dataDir, 'demo-token');
  const { value, origin } = await keptSecret(file, () => `pw_demo_${randomBytes(16).toString('hex')}`);
  return { token: value, origin, file };
}
