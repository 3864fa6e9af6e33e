import type { z } from 'zod';
import { BodyTooLarge, readBody } from '../../triggers/read-body';
import { formatJsonPath } from '../../model/validation-issue';
import { problemResponse } from './problem';

/** A request part that failed its schema, as a problem response. */
export class RequestRejected extends Error {
  constructor(readonly response: Response) {
    super('request rejected');
  }
}

export function parsePart<Schema extends z.ZodType>(schema: Schema, value: unknown, where: 'params' | 'query' | 'body'): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: formatJsonPath([where, ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment))]),
    message: issue.message,
    code: issue.code,
  }));
  throw new RequestRejected(problemResponse(where === 'params' ? 404 : 400, where === 'params' ? 'not_found' : 'invalid_request', summarize(errors), { errors }));
}

function summarize(errors: ReadonlyArray<{ path: string; message: string }>): string {
  const first = errors[0];
  if (first === undefined) return 'The request is invalid';
  return errors.length === 1 ? `${first.path}: ${first.message}` : `${first.path}: ${first.message} (and ${errors.length - 1} more)`;
}

/** Query parameters as an object; a repeated key keeps its last value. */
export function queryObject(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  return query;
}

/**
 * Reads a JSON body up to `maxBytes`. An empty body reads as `undefined` so optional
 * bodies may be left out; a body that is not JSON answers 400 `malformed_json`.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readBody(request, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) throw new RequestRejected(problemResponse(413, 'request_too_large', `The body may be at most ${maxBytes} bytes`));
    throw error;
  }
  if (bytes.byteLength === 0) return undefined;
  const contentType = request.headers.get('content-type');
  if (contentType !== null && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType.trim())) {
    throw new RequestRejected(problemResponse(415, 'unsupported_media_type', `Send the body as application/json, not ${contentType.slice(0, 100)}`));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RequestRejected(problemResponse(400, 'malformed_json', 'The body is not valid UTF-8'));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestRejected(problemResponse(400, 'malformed_json', (error as Error).message.slice(0, 200)));
  }
}
