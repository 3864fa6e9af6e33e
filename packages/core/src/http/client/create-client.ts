import type { z } from 'zod';
import { problemSchema } from '../contract/common-schemas';
import { operations, type OperationId, type Operations } from '../contract/operations';
import type { OperationInput, OperationOutput, OperationSpec } from '../contract/operation';
import { ApiContractError, ApiError } from './api-error';
import { readEventStream } from './read-event-stream';

export interface ClientOptions {
  /** Where the API is mounted: `https://app.example/api`. */
  baseUrl: string;
  /** The global `fetch` by default. */
  fetch?: typeof fetch;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`; a function is called per request. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
}

type StreamItem<Op> = Op extends { success: { schema: infer S extends z.ZodType } } ? z.output<S> : never;

/** What a client method returns: the parsed body, or for an event stream the events as they come. */
export type ClientResult<Op> = Op extends { success: { contentType: 'text/event-stream' } } ? AsyncIterable<StreamItem<Op>> : OperationOutput<Op>;

type CallOptions = { signal?: AbortSignal };

type NeedsNoInput<Op> = keyof OperationInput<Op> extends never ? true : Op extends { params: z.ZodType } | { body: z.ZodType } ? false : true;

/** One method per operation id; input is `{ params, query, body }` as the operation takes them. */
export type Client = {
  [Id in OperationId]: NeedsNoInput<Operations[Id]> extends true
    ? (input?: OperationInput<Operations[Id]>, options?: CallOptions) => Promise<ClientResult<Operations[Id]>>
    : (input: OperationInput<Operations[Id]>, options?: CallOptions) => Promise<ClientResult<Operations[Id]>>;
};

function pathOf(spec: OperationSpec, params: Record<string, unknown> | undefined): string {
  return spec.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(String(params?.[name] ?? '')));
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    search.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

async function failure(response: Response): Promise<never> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiContractError(`HTTP ${response.status} without a problem body: ${text.slice(0, 200)}`, response.status);
  }
  const problem = problemSchema.safeParse(parsed);
  if (!problem.success) throw new ApiContractError(`HTTP ${response.status} with a body that is not a problem`, response.status);
  throw new ApiError(problem.data);
}

/**
 * A typed client of the HTTP API, built from the same operation table and zod schemas as
 * the server: inputs are typed by them and every answer is checked against them.
 *
 * @example
 * ```ts
 * const api = createClient({ baseUrl: 'http://localhost:8080/api', headers: { authorization: `Bearer ${token}` } });
 * const { runId } = await api.startRun({ body: { workflowId: 'lead-routing', inputs: { email: 'ada@example.com' } } });
 * for await (const event of await api.streamRunEvents({ params: { runId } })) console.log(event.type);
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function call(spec: OperationSpec, input: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown } = {}, callOptions: CallOptions = {}): Promise<unknown> {
    const headers = new Headers(typeof options.headers === 'function' ? await options.headers() : options.headers);
    const init: RequestInit = { method: spec.method.toUpperCase(), headers };
    if (callOptions.signal !== undefined) init.signal = callOptions.signal;
    if (input.body !== undefined) {
      headers.set('content-type', 'application/json');
      init.body = JSON.stringify(input.body);
    }
    const stream = spec.success.contentType === 'text/event-stream';
    if (stream) headers.set('accept', 'text/event-stream');
    const response = await doFetch(`${baseUrl}${pathOf(spec, input.params)}${queryString(input.query)}`, init);
    if (!response.ok) return failure(response);
    if (response.status === 204 || spec.success.schema === undefined) {
      await response.body?.cancel();
      return undefined;
    }
    const schema = spec.success.schema;
    if (stream) {
      if (response.body === null) throw new ApiContractError('An event stream without a body', response.status);
      const body = response.body;
      return (async function* () {
        for await (const event of readEventStream(body)) {
          const item = schema.safeParse(JSON.parse(event.data));
          if (!item.success) throw new ApiContractError(`An event that does not match its schema: ${item.error.message}`, response.status);
          yield item.data;
        }
      })();
    }
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new ApiContractError(`The answer does not match its schema: ${parsed.error.message}`, response.status);
    return parsed.data;
  }

  const client: Record<string, unknown> = {};
  for (const id of Object.keys(operations) as OperationId[]) {
    const spec: OperationSpec = operations[id];
    client[id] = (input?: Parameters<typeof call>[1], callOptions?: CallOptions) => call(spec, input, callOptions);
  }
  return client as Client;
}
