import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { operations, type OperationId } from '../contract/operations';
import { roleAllows, type OperationSpec } from '../contract/operation';
import { createOpenApiDocument } from '../contract/openapi';
import { Answer, type HandlerContext, type HttpApiOptions, type OperationHandler, type Principal } from './handler-types';
import { operationHandlers } from './operation-handlers';
import { parsePart, queryObject, readJsonBody, RequestRejected } from './read-request';
import { problemForError, problemResponse } from './problem';

const anonymous: Principal = { tenantId: '', userId: '', role: 'viewer' };
const defaultMaxBodyBytes = 5 * 1024 * 1024;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * The engine's HTTP API as a fetch handler, `(Request) => Promise<Response>`, for any
 * server that speaks web standards (Hono, Next.js route handlers, Bun, Deno; Express and
 * Fastify through an adapter such as @hono/node-server).
 *
 * @example
 * ```ts
 * const api = createHttpHandler({ engine, basePath: '/api', authorize: (request) => sessionOf(request) });
 * serve({ fetch: (request) => api(request), port: 8080 });
 * ```
 */
export function createHttpHandler(options: HttpApiOptions): (request: Request) => Promise<Response> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const report = options.onError ?? (() => undefined);
  const app = new Hono({ strict: false });
  const api = basePath === '' ? app : app.basePath(basePath);
  let openApi: string | undefined;
  if (options.cors) {
    const { origin, credentials, maxAgeSeconds } = options.cors;
    api.use(
      '*',
      cors({
        origin: typeof origin === 'function' ? (requestOrigin) => origin(requestOrigin) : typeof origin === 'string' ? origin : [...origin],
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowHeaders: ['authorization', 'content-type', 'last-event-id'],
        exposeHeaders: ['www-authenticate'],
        maxAge: maxAgeSeconds ?? 600,
        credentials: credentials ?? false,
      }),
    );
  }

  api.get('/openapi.json', (c) => {
    openApi ??= JSON.stringify(createOpenApiDocument({ serverUrl: basePath === '' ? '/' : basePath }));
    return c.body(openApi, 200, { 'content-type': 'application/json' });
  });

  for (const id of Object.keys(operations) as OperationId[]) {
    const spec: OperationSpec = operations[id];
    const handler = operationHandlers[id] as OperationHandler<OperationSpec>;
    api.on(spec.method.toUpperCase(), spec.path, async (c) => {
      try {
        let principal = anonymous;
        if (spec.role !== 'public') {
          const caller = await options.authorize(c.req.raw);
          if (caller === null) return problemResponse(401, 'unauthenticated', 'Send credentials the host accepts');
          if (!roleAllows(caller.role, spec.role)) return problemResponse(403, 'forbidden', `${spec.summary} needs the ${spec.role} role`);
          principal = caller;
        }
        const input = {
          params: spec.params ? parsePart(spec.params, c.req.param(), 'params') : {},
          query: spec.query ? parsePart(spec.query, queryObject(new URL(c.req.url)), 'query') : {},
          body: spec.body ? parsePart(spec.body, await readJsonBody(c.req.raw, maxBodyBytes), 'body') : undefined,
        };
        const context: HandlerContext = { engine: options.engine, principal, request: c.req.raw, options };
        const result = await handler(input as never, context);
        if (result instanceof Response) return result;
        const status = result instanceof Answer ? result.status : spec.success.status;
        const body: unknown = result instanceof Answer ? result.body : result;
        if (status === 204) return new Response(null, { status });
        if (options.validateResponses && spec.success.schema) {
          const checked = spec.success.schema.safeParse(body);
          if (!checked.success) throw new Error(`Response of ${id} does not match its schema: ${checked.error.message}`);
        }
        return json(status, body);
      } catch (error) {
        if (error instanceof RequestRejected) return error.response;
        return problemForError(error, report);
      }
    });
  }

  app.notFound((c) => problemResponse(404, 'route_not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}`));
  app.onError((error) => problemForError(error, report));

  return async (request) => app.fetch(request);
}
