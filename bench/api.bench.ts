import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { serve, type ServerType } from '@hono/node-server';
import type { Engine } from '@pipewright/core';
import { createHttpHandler, type Principal } from '@pipewright/core/http';
import { createStorage } from '@pipewright/storage-adapters';
import { engineOn } from './bench-engine';
import { guarded, median, percentile } from './bench-stats';
import type { EngineBench } from './engine.bench';
import { benchInput, linear10 } from './engine-workloads';
import { listRunsTarget, seedRunsOnce } from './list-runs-seed';
import { listRunsSqliteFile, withTempSqlite } from './storage.bench';

/** `Bearer <tenant>`: the cheapest host authorization, so the figure is the API's own cost. */
function authorize(request: Request): Principal | null {
  const token = request.headers.get('authorization')?.slice('Bearer '.length);
  return token ? { tenantId: token, userId: 'bench', role: 'admin' } : null;
}

/** The API over a real socket on 127.0.0.1, as a host mounts it. */
async function withApi<T>(engine: Engine, use: (baseUrl: string, client: HttpClient) => Promise<T>): Promise<T> {
  const handler = createHttpHandler({ engine, authorize, basePath: '/api' });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const client = new HttpClient();
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, client);
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * One request at a time over a kept-alive connection, with node:http rather than fetch.
 * The client runs in the server's process, so its garbage is collected there too:
 * fetch made about 200 KB a request (web streams, and responses it tracks until a full
 * collection), and its young-generation collections (5 to 9 ms each on this machine,
 * one every 60 requests) were most of the POST /runs tail: this figure was 7.8–8.5 ms
 * with fetch against 4.7–5.1 ms with this client, the server unchanged.
 */
class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  call(url: string, options: { method?: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers = options.body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) };
      const request = httpRequest(url, { method: options.method ?? 'GET', agent: this.agent, headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Samples `once` after a warm-up: per round p50 and `quantile`, medians over 5 rounds. */
async function latency(once: () => Promise<void>, quantile: number, perRound: number): Promise<{ p50: number; tail: number; rounds: number[] }> {
  for (let i = 0; i < 300; i++) await once();
  const rounds: Array<{ p50: number; tail: number }> = [];
  for (let round = 0; round < 5; round++) {
    const samples: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const began = performance.now();
      await once();
      samples.push(performance.now() - began);
    }
    rounds.push({ p50: percentile(samples, 0.5), tail: percentile(samples, quantile) });
  }
  return { p50: median(rounds.map((r) => r.p50)), tail: median(rounds.map((r) => r.tail)), rounds: rounds.map((r) => r.tail) };
}

/**
 * `POST /runs` over HTTP on SQLite, one request after another, with the engine's worker
 * not running: the figure is the API plus the start path (latest version, run row and
 * first events in one transaction, the job), not queueing behind runs being executed.
 */
async function startRunLatency(): Promise<Array<{ value: number; unit: string }>> {
  return withTempSqlite(async (storage) => {
    const engine = engineOn(storage);
    const ctx = { tenantId: 'bench' };
    const workflow = linear10();
    await engine.workflows.save(ctx, workflow);
    await engine.workflows.publish(ctx, workflow.id);
    return withApi(engine, async (baseUrl, client) => {
      let n = 0;
      const { p50, tail, rounds } = await latency(
        async () => {
          const response = await client.call(`${baseUrl}/runs`, {
            method: 'POST',
            headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
            body: JSON.stringify({ workflowId: workflow.id, inputs: benchInput(n++) }),
          });
          if (response.status !== 201) throw new Error(`POST /runs answered ${response.status}: ${response.body}`);
        },
        0.99,
        1_000,
      );
      console.log(`  note: POST /runs p99 by round ${rounds.map((value) => value.toFixed(2)).join(', ')} ms`);
      return [
        { value: p50, unit: 'ms' },
        { value: tail, unit: 'ms' },
      ];
    });
  });
}

/** `GET /runs?workflowId=…&limit=50` over HTTP on the seeded SQLite store of 1,000,000 runs, every (tenant, workflow) pair in turn. */
async function listRunsLatency(): Promise<Array<{ value: number; unit: string }>> {
  const storage = await createStorage({ connection: `sqlite:${listRunsSqliteFile}` });
  try {
    await seedRunsOnce(storage.database, 'SQLite');
    const engine = engineOn(storage);
    return await withApi(engine, async (baseUrl, client) => {
      let k = 0;
      const { tail, rounds } = await latency(
        async () => {
          const { tenantId, workflowId } = listRunsTarget(k++);
          const response = await client.call(`${baseUrl}/runs?workflowId=${workflowId}&limit=50`, { headers: { authorization: `Bearer ${tenantId}` } });
          const page = (response.status === 200 ? JSON.parse(response.body) : {}) as { items?: unknown[] };
          if (response.status !== 200 || page.items?.length !== 50) throw new Error(`GET /runs answered ${response.status} with ${page.items?.length ?? 0} runs`);
        },
        0.95,
        200,
      );
      console.log(`  note: GET /runs?limit=50 p95 by round ${rounds.map((value) => value.toFixed(2)).join(', ')} ms`);
      return [{ value: tail, unit: 'ms' }];
    });
  } finally {
    await storage.close();
  }
}

export const apiBenchmarks: EngineBench[] = [
  { name: 'api.start_run', run: () => guarded(['api.start_run.p50_ms', 'api.start_run.p99_ms'], startRunLatency) },
  { name: 'api.list_runs', run: () => guarded(['api.list_runs.p95_ms'], listRunsLatency) },
];
