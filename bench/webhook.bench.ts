import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { coreNodes, createEngine, createLocalKeyRing, createRegistry, generateKeyEncryptionKey, SecretVault, signStandardWebhook, webhookSecretConnector, generateWebhookSecret } from '@pipewright/core';
import { createStorage, type Storage } from '@pipewright/storage-adapters';
import { guarded, median, reportSkipped } from './bench-stats';
import type { EngineBench } from './engine.bench';
import { benchServer, dropStoreTables, uniqueTablePrefix } from './storage-servers';

/** Requests in flight, as a busy sender (or several) keeps them. */
const concurrency = 32;
const roundMs = 2_000;
const rounds = 3;

/**
 * Webhook ingress throughput: Standard Webhooks requests, each with its own id and a
 * valid signature made beforehand, through the engine's fetch handler (the part the
 * host mounts; its HTTP server is the host's). A request counts once it is verified,
 * deduped and its run stored and queued (202). No worker runs: this is ingress alone.
 */
async function webhookRequestsPerSecond(storage: Storage): Promise<number> {
  const engine = createEngine({
    registry: createRegistry([...coreNodes, webhookSecretConnector]),
    store: storage.store,
    queue: storage.queue,
    vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })),
  });
  const ctx = { tenantId: 'bench' };
  const secret = generateWebhookSecret();
  const connection = await engine.connections.create(ctx, { connectorId: 'webhookSecret', name: 'sender', credentials: { type: 'bearer', token: secret } });
  await engine.workflows.save(ctx, {
    id: 'ingress',
    name: 'Ingress',
    nodes: [{ id: 'hook', type: 'core.webhook', config: { verify: { scheme: 'standardWebhooks', secrets: [connection.id] }, rateLimit: false } }],
    edges: [],
  });
  await engine.workflows.publish(ctx, 'ingress');
  const [registration] = await engine.triggers.enable(ctx, 'ingress');
  const url = `http://127.0.0.1/hooks/${registration?.path ?? ''}`;

  let sequence = 0;
  const prepare = async (count: number): Promise<Array<() => Request>> => {
    const made: Array<() => Request> = [];
    const timestamp = Math.floor(Date.now() / 1000);
    for (let index = 0; index < count; index++) {
      const id = `msg_${sequence++}`;
      const body = JSON.stringify({ type: 'order.created', data: { id: sequence, amount: 4200, currency: 'eur' } });
      const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': await signStandardWebhook(secret, { id, timestamp, body }) };
      made.push(() => new Request(url, { method: 'POST', headers, body }));
    }
    return made;
  };

  const measure = async (durationMs: number): Promise<number> => {
    const requests = await prepare(Math.ceil((durationMs / 1000) * 8_000));
    let next = 0;
    let accepted = 0;
    let refused = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    const sender = async (): Promise<void> => {
      while (performance.now() < deadline && next < requests.length) {
        const response = await engine.webhookHandler((requests[next++] as () => Request)());
        if (response.status === 202) accepted++;
        else refused++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, sender));
    const elapsed = performance.now() - started;
    if (refused > 0) throw new Error(`${refused} webhook requests were refused`);
    return (accepted / elapsed) * 1000;
  };

  await measure(500);
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) results.push(await measure(roundMs));
  return median(results);
}

export const webhookBenchmarks: EngineBench[] = [
  {
    name: 'webhook.sqlite',
    run: () =>
      guarded(['webhook.sqlite.req_per_s'], async () => {
        const dir = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
        try {
          const storage = await createStorage({ connection: `sqlite:${join(dir, 'bench.db')}` });
          try {
            return [{ value: await webhookRequestsPerSecond(storage), unit: 'req/s' }];
          } finally {
            await storage.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
  },
  {
    name: 'webhook.postgres',
    run: async () => {
      const { url, skipReason } = await benchServer('postgres');
      if (skipReason !== undefined) {
        reportSkipped(['webhook.postgres.req_per_s'], skipReason);
        return;
      }
      await guarded(['webhook.postgres.req_per_s'], async () => {
        const storage = await createStorage({ connection: url, tablePrefix: uniqueTablePrefix() });
        try {
          return [{ value: await webhookRequestsPerSecond(storage), unit: 'req/s' }];
        } finally {
          await dropStoreTables(storage.database).catch(() => undefined);
          await storage.close();
        }
      });
    },
  },
];
