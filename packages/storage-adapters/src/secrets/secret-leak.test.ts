import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreNodes,
  createEngine,
  createLocalKeyRing,
  createRegistry,
  defineConnector,
  defineNode,
  generateKeyEncryptionKey,
  newId,
  SecretVault,
  type Engine,
  type WorkflowInput,
} from '@pipewright/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createStorage, type Storage } from '../create-storage';
import { describeWithServer, embeddedDatabase, testServer } from '../test-support/test-servers';

/**
 * The leak test of the secrets vault: a step echoes its Authorization header and another
 * throws an error holding the token, then every table, every log line, every emitted event
 * and every API response is searched for the token in any of its encodings.
 */

let echo: Server;
let echoUrl = '';
const directory = mkdtempSync(join(tmpdir(), 'pw-leak-'));

beforeAll(async () => {
  // Answers with the request's Authorization header, in the clear and encoded, as a careless API might.
  echo = createServer((request, response) => {
    const authorization = request.headers.authorization ?? '';
    const token = authorization.replace(/^Bearer /, '');
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        authorization,
        token,
        base64: Buffer.from(token).toString('base64'),
        base64url: Buffer.from(token).toString('base64url'),
        basicLike: Buffer.from(`user:${token}`).toString('base64'),
        query: `https://example.com/cb?token=${encodeURIComponent(token)}&x=1`,
      }),
    );
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  rmSync(directory, { recursive: true, force: true });
});

const leaky = defineConnector({
  id: 'leaky',
  name: 'Leaky API',
  auth: { type: 'bearer' },
  nodes: [
    defineNode({
      type: 'leaky.echo',
      version: 1,
      title: 'Echo',
      description: 'A test action',
      category: 'Test',
      sideEffects: true,
      configSchema: z.object({ connection: z.string() }),
      run: async ({ connection, logger }) => {
        const response = await (connection as NonNullable<typeof connection>).fetch(`${echoUrl}/echo`);
        const body = (await response.json()) as Record<string, string>;
        logger.info(`echoed ${body.authorization ?? ''}`, { body });
        return body;
      },
    }),
    defineNode({
      type: 'leaky.fail',
      version: 1,
      title: 'Fail',
      description: 'A test action',
      category: 'Test',
      sideEffects: true,
      configSchema: z.object({ connection: z.string() }),
      run: ({ connection, logger }) => {
        const credentials = (connection as NonNullable<typeof connection>).credentials;
        const token = credentials.type === 'bearer' ? credentials.token : '';
        logger.error(`about to fail with ${token}`);
        throw Object.assign(new Error(`upstream refused token ${token} (${encodeURIComponent(token)})`), { details: { token } });
      },
    }),
  ],
  triggers: [],
});

function leakWorkflow(connection: string): WorkflowInput {
  return {
    id: 'leak',
    name: 'Leak',
    nodes: [
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'echo', type: 'leaky.echo', config: { connection } },
      { id: 'fail', type: 'leaky.fail', config: { connection }, retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 10, jitter: 'none' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'echo' },
      { id: 'e2', source: 'echo', target: 'fail' },
    ],
  };
}

/** The token and the forms it can leak in. */
function encodings(token: string): string[] {
  return [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url'), encodeURIComponent(token), JSON.stringify(token).slice(1, -1)];
}

/** Every row of every table of this install, as text. */
async function dumpTables(storage: Storage, prefix: string): Promise<Record<string, string>> {
  const tables = (await storage.database.db.introspection.getTables()).filter((table) => table.name.startsWith(prefix));
  const dump: Record<string, string> = {};
  for (const table of tables) {
    const rows = await sql`select * from ${sql.table(table.name)}`.execute(storage.database.db);
    dump[table.name] = JSON.stringify(rows.rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value));
  }
  return dump;
}

async function settle(engine: Engine, ctx: { tenantId: string }, runId: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 20) {
    const view = await engine.runs.get(ctx, runId);
    if (view.status === 'failed' || view.status === 'succeeded') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('The run did not finish');
}

const targets = [
  { name: 'sqlite', server: embeddedDatabase, url: () => `sqlite:${join(directory, 'leak.db')}` },
  { name: 'postgres', server: await testServer('postgres'), url: () => 'postgres://postgres@127.0.0.1:5432/test' },
  { name: 'mariadb', server: await testServer('mysql'), url: () => 'mysql://root@127.0.0.1:3306/test' },
];

for (const target of targets) {
  describeWithServer(target.server, `secret leak test on ${target.name}`, () => {
    it('finds the token nowhere: not in any table, log line, event or API response', async () => {
      const prefix = `pwleak${newId('').slice(1, 9).replace(/-/g, '')}_`;
      const server = target.name === 'sqlite' ? undefined : await testServer(target.name === 'postgres' ? 'postgres' : 'mysql');
      const storage = await createStorage({ connection: server?.url ?? target.url(), tablePrefix: prefix, pollIntervalMs: 10 });
      const logs: unknown[] = [];
      const log = (level: string) => (message: string, data?: Record<string, unknown>) => logs.push({ level, message, data });
      const events: unknown[] = [];
      const engine = createEngine({
        registry: createRegistry([...coreNodes, leaky]),
        store: storage.store,
        queue: storage.queue,
        vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })),
        logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      });
      engine.on('event', (event) => events.push(event));
      engine.on('audit', (entry) => events.push(entry));
      engine.start();
      const token = `tok_${newId('').slice(1)}/+=!~ü`;
      const ctx = { tenantId: 'acme', userId: 'ada' };
      const responses: unknown[] = [];
      try {
        const connection = await engine.connections.create(ctx, { connectorId: 'leaky', name: 'Leaky', credentials: { type: 'bearer', token } });
        responses.push(connection);
        responses.push(await engine.connections.test(ctx, connection.id));
        responses.push(await engine.workflows.save(ctx, leakWorkflow(connection.id)));
        responses.push(await engine.workflows.publish(ctx, 'leak'));
        const started = await engine.runs.start(ctx, { workflowId: 'leak' }, { note: 'no secret here' });
        responses.push(started);
        await settle(engine, ctx, started.runId);

        const view = await engine.runs.get(ctx, started.runId);
        responses.push(view);
        // The run really did the work: the echo came back (redacted) and the failure is recorded.
        expect(view.status).toBe('failed');
        expect(view.steps.find((step) => step.nodeId === 'echo')).toMatchObject({ status: 'succeeded', output: { authorization: 'Bearer [REDACTED]', token: '[REDACTED]' } });
        expect(view.steps.find((step) => step.nodeId === 'fail')).toMatchObject({ status: 'failed', attempts: 2, error: { message: expect.stringContaining('upstream refused token [REDACTED]') } });
        responses.push(await engine.runs.list(ctx, {}));
        responses.push(await engine.runs.output(ctx, started.runId, 'echo'));
        responses.push(await engine.connections.get(ctx, connection.id));
        responses.push(await engine.connections.list(ctx));
        responses.push(await engine.connections.audit(ctx));
        responses.push(await engine.connections.update(ctx, connection.id, { name: 'Renamed' }));

        const tables = await dumpTables(storage, prefix);
        expect(Object.keys(tables).length).toBeGreaterThanOrEqual(8);
        expect(tables[`${prefix}connections`]).toContain('"key_id":"k1"');
        const haystacks: Record<string, string> = { ...tables, logs: JSON.stringify(logs), events: JSON.stringify(events), responses: JSON.stringify(responses) };
        // Something was written everywhere we look, so "not found" means something.
        expect(events.length).toBeGreaterThan(5);
        for (const [where, text] of Object.entries(haystacks)) {
          for (const form of encodings(token)) expect(text.includes(form), `${where} holds the token as ${form}`).toBe(false);
          expect(text.includes(Buffer.from(`user:${token}`).toString('base64')), `${where} holds a Basic-style encoding`).toBe(false);
        }
      } finally {
        await engine.stop();
        for (const table of (await storage.database.db.introspection.getTables()).filter((entry) => entry.name.startsWith(prefix))) {
          await storage.database.db.schema.dropTable(table.name).execute();
        }
        await storage.close();
      }
    });
  });
}
