import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreNodes, createEngine, createLocalKeyRing, createRegistry, defineConnector, generateKeyEncryptionKey, newId, SecretVault, type Engine } from '@pipewright/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStorage, type Storage } from '../create-storage';
import { describeWithServer, embeddedDatabase, testServer } from '../test-support/test-servers';

/**
 * One refresh across workers, with each worker on its own connection pool to a real
 * database: the refresh lock is a row every worker competes for.
 */

let tokenServer: Server;
let tokenUrl = '';
const refreshes: string[] = [];
const directory = mkdtempSync(join(tmpdir(), 'pw-refresh-'));

beforeAll(async () => {
  tokenServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token') {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unsupported_grant_type"}');
        return;
      }
      refreshes.push(form.get('refresh_token') ?? '');
      // Slow enough that every worker asks while the first refresh is under way.
      setTimeout(() => {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `at-${refreshes.length}-${newId('')}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${refreshes.length}` }));
      }, 200);
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => tokenServer.close(() => resolve()));
  rmSync(directory, { recursive: true, force: true });
});

const targets = [
  { name: 'sqlite', server: embeddedDatabase, url: async () => `sqlite:${join(directory, 'refresh.db')}` },
  { name: 'postgres', server: await testServer('postgres'), url: async () => (await testServer('postgres')).url },
  { name: 'mariadb', server: await testServer('mysql'), url: async () => (await testServer('mysql')).url },
];

for (const target of targets) {
  describeWithServer(target.server, `OAuth2 refresh across workers on ${target.name}`, () => {
    it('six callers on two workers with their own pools make one refresh and all get the new token', async () => {
      const connector = defineConnector({
        id: 'sheets',
        name: 'Sheets',
        auth: { type: 'oauth2', grant: 'authorizationCode', authorizeUrl: 'https://accounts.example/authorize', tokenUrl },
        nodes: [],
        triggers: [],
      });
      const tablePrefix = `pwrefresh${newId('').slice(1, 7)}_`;
      const url = await target.url();
      const storages: Storage[] = [];
      const vault = new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } }));
      const workers: Engine[] = [];
      try {
        for (let index = 0; index < 2; index++) {
          const storage = await createStorage({ connection: url, tablePrefix });
          storages.push(storage);
          workers.push(createEngine({ registry: createRegistry([...coreNodes, connector]), store: storage.store, queue: storage.queue, vault }));
        }
        const [first, second] = workers as [Engine, Engine];
        const ctx = { tenantId: 'acme' };
        refreshes.length = 0;
        const connection = await first.connections.create(ctx, {
          connectorId: 'sheets',
          name: 'Sheets',
          // Expires inside the refresh margin: every use must refresh first.
          credentials: { type: 'oauth2', clientId: 'app', clientSecret: 'app-secret-0123456789', accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: Date.now() + 10_000 },
        });
        const results = await Promise.all([first, second, first, second, first, second].map((worker) => worker.connections.test(ctx, connection.id)));
        expect(results.every((result) => result.ok)).toBe(true);
        expect(refreshes).toEqual(['rt-0']);
        const trail = (await second.connections.audit(ctx, { connectionId: connection.id })).items;
        expect(trail.filter((entry) => entry.action === 'connection.refreshed')).toHaveLength(1);
        expect((await second.connections.get(ctx, connection.id))?.summary).toMatchObject({ refreshToken: 'present', accessToken: expect.stringContaining('…') });
      } finally {
        const db = storages[0]?.database.db;
        if (db) for (const table of (await db.introspection.getTables()).filter((entry) => entry.name.startsWith(tablePrefix))) await db.schema.dropTable(table.name).execute();
        for (const storage of storages) await storage.close();
      }
    });
  });
}
