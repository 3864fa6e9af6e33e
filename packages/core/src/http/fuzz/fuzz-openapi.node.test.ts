import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fuzzOpenApi, OpenApiFuzzError } from './fuzz-openapi';

const newItemSchema = z
  .strictObject({
    name: z.string().min(1).max(40),
    quantity: z.int().min(1).max(100),
    kind: z.enum(['tool', 'part']),
    tags: z.array(z.string().min(1).max(10)).max(3).optional(),
  });
const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).optional(),
  kind: z.enum(['tool', 'part']).optional(),
});
const itemIdSchema = z.uuid();

type Item = z.infer<typeof newItemSchema> & { id: string };

const toJson = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
const { $schema: _dialect, ...newItemJson } = toJson(newItemSchema);
const problemContent = { 'application/problem+json': { schema: { type: 'object' } } };

const document = {
  openapi: '3.1.0',
  info: { title: 'Items', version: '1' },
  paths: {
    '/items': {
      post: {
        operationId: 'createItem',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewItem' } } } },
        responses: { '201': { description: 'Created' }, default: { description: 'Problem', content: problemContent } },
      },
      get: {
        operationId: 'listItems',
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: toJson(listQuerySchema.shape.limit) },
          { name: 'kind', in: 'query', required: false, schema: toJson(listQuerySchema.shape.kind) },
        ],
        responses: { '200': { description: 'Items' } },
      },
    },
    '/items/{itemId}': {
      parameters: [{ name: 'itemId', in: 'path', required: true, schema: toJson(itemIdSchema) }],
      get: { operationId: 'getItem', responses: { '200': { description: 'The item' } } },
    },
    '/items/events': {
      get: { operationId: 'itemEvents', responses: { '200': { description: 'Changes', content: { 'text/event-stream': { schema: { type: 'string' } } } } } },
    },
  },
  components: { schemas: { NewItem: newItemJson } },
};

function problem(status: number, code: string, detail?: string): Response {
  const body = { type: `urn:test:problem:${code}`, title: code.replaceAll('_', ' '), status, code, ...(detail === undefined ? {} : { detail }) };
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json' } });
}

interface HandlerFlaws {
  /** Reads the optional `tags` as if it were always there. */
  assumesTags?: boolean;
  /** Answers validation errors with a plain-text 400. */
  plainTextErrors?: boolean;
}

/** A small items API on web-standard Request/Response, with optional flaws the fuzzer must find. */
function createItemsHandler(items: Map<string, Item>, flaws: HandlerFlaws = {}): (request: Request) => Promise<Response> {
  const invalid = (error: z.ZodError): Response =>
    flaws.plainTextErrors === true ? new Response('bad request', { status: 400, headers: { 'content-type': 'text/plain' } }) : problem(400, 'invalid_request', z.prettifyError(error));
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === '/items' && request.method === 'POST') {
      if (request.headers.get('content-type')?.split(';')[0]?.trim() !== 'application/json') return problem(415, 'unsupported_media_type');
      let body: unknown;
      try {
        body = JSON.parse(await request.text());
      } catch {
        return problem(400, 'malformed_json');
      }
      const parsed = newItemSchema.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      if (flaws.assumesTags === true && parsed.data.tags?.length === undefined) throw new TypeError("Cannot read properties of undefined (reading 'length')");
      const item = { ...parsed.data, id: crypto.randomUUID() };
      items.set(item.id, item);
      return Response.json(item, { status: 201 });
    }
    if (path === '/items' && request.method === 'GET') {
      const query: Record<string, string | string[]> = {};
      for (const key of new Set(url.searchParams.keys())) {
        const values = url.searchParams.getAll(key);
        query[key] = values.length === 1 ? (values[0] ?? '') : values;
      }
      const parsed = listQuerySchema.safeParse(query);
      if (!parsed.success) return invalid(parsed.error);
      const list = [...items.values()].filter((item) => parsed.data.kind === undefined || item.kind === parsed.data.kind);
      return Response.json({ items: list.slice(0, parsed.data.limit ?? 50) });
    }
    const match = /^\/items\/([^/]*)$/.exec(path);
    if (match !== null && request.method === 'GET') {
      let id: string;
      try {
        id = decodeURIComponent(match[1] ?? '');
      } catch {
        return problem(400, 'invalid_request', 'The item id is not valid percent-encoding');
      }
      const parsed = itemIdSchema.safeParse(id);
      if (!parsed.success) return invalid(parsed.error);
      const item = items.get(parsed.data);
      return item === undefined ? problem(404, 'not_found') : Response.json(item);
    }
    return problem(404, 'route_not_found');
  };
}

/** Serves a fetch handler on 127.0.0.1; a throw becomes the bare 500 a careless server would answer. */
async function serve(handler: (request: Request) => Promise<Response>): Promise<{ url: string; server: Server }> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
      const method = incoming.method ?? 'GET';
      const init: RequestInit = { method, headers };
      if (method !== 'GET' && method !== 'HEAD' && chunks.length > 0) init.body = Buffer.concat(chunks);
      void (async () => {
        let response: Response;
        try {
          response = await handler(new Request(`http://127.0.0.1${incoming.url ?? '/'}`, init));
        } catch (error) {
          response = new Response(`Internal Server Error: ${String(error)}`, { status: 500, headers: { 'content-type': 'text/plain' } });
        }
        outgoing.writeHead(response.status, Object.fromEntries(response.headers));
        outgoing.end(Buffer.from(await response.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function fuzzHandler(flaws: HandlerFlaws, numRuns: number) {
  const items = new Map<string, Item>();
  const seeded: Item[] = [
    { id: crypto.randomUUID(), name: 'hammer', quantity: 3, kind: 'tool' },
    { id: crypto.randomUUID(), name: 'bolt', quantity: 90, kind: 'part', tags: ['m8'] },
  ];
  for (const item of seeded) items.set(item.id, item);
  const { url, server } = await serve(createItemsHandler(items, flaws));
  servers.push(server);
  return fuzzOpenApi(document, (request) => fetch(request), {
    baseUrl: url,
    numRuns,
    seed: 42,
    headers: { accept: 'application/json' },
    pathParamValues: (name) => (name === 'itemId' ? fc.constantFrom(...seeded.map((item) => item.id)) : fc.string()),
  });
}

describe('fuzzOpenApi', () => {
  let summary: Awaited<ReturnType<typeof fuzzOpenApi>>;
  beforeAll(async () => {
    summary = await fuzzHandler({}, 60);
  });

  it('passes a handler that keeps the contract, and reaches its happy paths', () => {
    expect(summary.operations).toBe(3);
    expect(summary.skipped).toEqual([{ operationId: 'itemEvents', reason: 'answers text/event-stream' }]);
    expect(summary.requests).toBe(180);
    const byOperation = summary.statusCountsByOperation;
    expect(byOperation['createItem']?.['201']).toBeGreaterThan(10);
    expect(byOperation['listItems']?.['200']).toBeGreaterThan(10);
    expect(byOperation['getItem']?.['200']).toBeGreaterThan(10);
    // The broken requests were sent too, and refused.
    expect(byOperation['createItem']?.['400']).toBeGreaterThan(5);
    expect(byOperation['createItem']?.['415']).toBeGreaterThan(0);
    expect(byOperation['listItems']?.['400']).toBeGreaterThan(0);
    expect((byOperation['getItem']?.['400'] ?? 0) + (byOperation['getItem']?.['404'] ?? 0)).toBeGreaterThan(0);
    expect(Object.keys(summary.statusCounts).every((status) => Number(status) < 500)).toBe(true);
  });

  it('fails on a handler that throws (a 500) on some valid input, naming the operation and request', async () => {
    const error = await fuzzHandler({ assumesTags: true }, 30).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(OpenApiFuzzError);
    if (!(error instanceof OpenApiFuzzError)) return;
    expect(error.failures.map((failure) => failure.operationId)).toEqual(['createItem']);
    const [failure] = error.failures;
    expect(failure?.reason).toBe('server error 500');
    expect(failure?.request.method).toBe('POST');
    expect(failure?.request.body).not.toContain('tags');
    expect(failure?.response?.body).toContain('Internal Server Error');
    expect(error.message).toMatch(/\[createItem\] server error 500/);
    expect(error.message).toMatch(/seed: 42/);
  });

  it('fails on a handler that answers a plain-text 400', async () => {
    await expect(fuzzHandler({ plainTextErrors: true }, 30)).rejects.toThrow(/must be application\/problem\+json, got text\/plain/);
  });

  it('can skip operations by id', async () => {
    const skipped = await fuzzOpenApi(document, () => Promise.resolve(problem(404, 'not_found')), {
      baseUrl: 'http://localhost',
      numRuns: 5,
      skipOperations: ['createItem', 'listItems'],
    });
    expect(skipped.operations).toBe(1);
    expect(skipped.skipped.map((entry) => entry.operationId)).toEqual(['listItems', 'createItem', 'itemEvents']);
  });
});
