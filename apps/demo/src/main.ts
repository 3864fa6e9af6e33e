import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { createEgressFetch } from '@pipewright/connectors';
import { createEngine, SecretVault, type Engine, type EngineLogger } from '@pipewright/core';
import { createFsBlobStore, createStorage, type Storage } from '@pipewright/storage-adapters';
import { demoAuthorizer, demoPrincipal } from './demo-auth';
import { loadDemoToken, loadKeyRing, openDataDir } from './demo-data';
import { exampleRegistry } from './example-registry';
import type { FetchHandler } from './route-requests';
import { seedExamples } from './seed';
import { createDemoApp } from './server';
import { baseUrlOf, printableDatabaseUrl, seedLines, startupBanner } from './startup-banner';

const env = process.env;
const examplesDir = fileURLToPath(new URL('../examples', import.meta.url));

function portOf(text: string | undefined): number {
  const port = Number(text ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number (0 for any free one), not "${text}"`);
  return port;
}

const consoleLogger: EngineLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, data) => console.warn(`warn: ${message}`, data ?? ''),
  error: (message, data) => console.error(`error: ${message}`, data ?? ''),
};

function listen(fetch: FetchHandler, port: number, hostname: string): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}

/** Stops taking connections and waits for open requests, at most `graceMs`. */
function closeServer(server: ServerType, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

let storage: Storage | undefined;
let engine: Engine | undefined;
let server: ServerType | undefined;

async function shutdown(): Promise<void> {
  if (server) await closeServer(server, 5_000);
  await engine?.stop();
  await storage?.close();
}

try {
  const port = portOf(env['PORT']);
  const host = env['HOST'] ?? 'localhost';
  const dataDir = await openDataDir(env);
  // The embedded default: a SQLite file, created and migrated on first use. Any URL the
  // storage adapters take works here (postgres://..., mysql://...).
  const database = env['PIPEWRIGHT_DATABASE_URL'] ?? `sqlite:${encodeURI(join(dataDir, 'pipewright.db'))}`;
  const { keys } = await loadKeyRing(env, dataDir);
  const demoToken = await loadDemoToken(env, dataDir);

  storage = await createStorage({ connection: database });
  engine = createEngine({
    registry: exampleRegistry,
    store: storage.store,
    queue: storage.queue,
    // Step outputs and inputs over 256 KiB are kept as files beside the database.
    blobs: createFsBlobStore({ directory: env['PIPEWRIGHT_BLOB_DIR'] ?? join(dataDir, 'blobs') }),
    vault: new SecretVault(keys),
    // Workflows may not call private, loopback or link-local addresses (this machine, the
    // cloud's metadata endpoint) unless PIPEWRIGHT_ALLOW_PRIVATE_NETWORKS=true.
    fetch: createEgressFetch({ allowPrivateNetworks: env['PIPEWRIGHT_ALLOW_PRIVATE_NETWORKS'] === 'true' }),
    logger: consoleLogger,
  });

  const manifest = exampleRegistry.manifest();
  console.log(`Pipewright demo: ${manifest.nodes.length} node types (core and ${manifest.connectors.map((connector) => connector.id).join(', ')}) on ${printableDatabaseUrl(database)}`);
  console.log(`Example workflows of tenant "${demoPrincipal.tenantId}" (apps/demo/examples/):`);
  console.log(seedLines(await seedExamples(engine, { tenantId: demoPrincipal.tenantId }, examplesDir)).join('\n'));
  console.log('');
  engine.start();

  // Webhook URLs the API shows need the real port, known only once listening (PORT=0);
  // the app is in place before the first request, which comes in a later I/O turn.
  const app: { fetch?: FetchHandler } = {};
  const listening = await listen((request) => (app.fetch ? app.fetch(request) : Promise.resolve(new Response('Starting', { status: 503, headers: { 'retry-after': '1' } }))), port, host);
  server = listening.server;
  const baseUrl = baseUrlOf(host, listening.port);
  app.fetch = createDemoApp({
    engine,
    authorize: demoAuthorizer(demoToken.token),
    publicUrl: baseUrl,
    onError: (message, error) => console.error(`error: ${message}`, error),
  });
  console.log(startupBanner({ baseUrl, database, token: demoToken.token, tokenOrigin: demoToken.origin, tokenFile: demoToken.file }).join('\n'));
} catch (error) {
  console.error(`Pipewright could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown().catch(() => undefined);
  process.exit(1);
}

// `npm start` runs node with tsx as a loader rather than the tsx CLI: the CLI relays a
// signal to its child and sends it again when the child has not confirmed it within
// 30 ms, so on a loaded machine one Ctrl+C or SIGTERM arrived twice and forced the stop.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.log('Stopping now, without waiting.');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (running steps finish first; ${signal === 'SIGINT' ? 'Ctrl+C' : 'a second signal'} again stops at once)...`);
    shutdown().then(
      () => {
        console.log('Pipewright stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('Pipewright did not stop cleanly:', error);
        process.exit(1);
      },
    );
  });
}
