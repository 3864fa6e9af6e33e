import { FatalError, PipewrightError, RetryableError, RetryAfterError, type NodeContext } from '@pipewright/core';
import { httpRequest } from '../../sdk/http-request';
import { withoutSecret } from '../../sdk/without-secret';

/** The Bot API's host; tests and self-hosted Bot API servers override it per action. */
export const telegramDefaultBaseUrl = 'https://api.telegram.org';

/** How the Bot API answers a failure, with any HTTP status (400, 401, 403, 429, …). */
interface TelegramFailure {
  ok: false;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** The bot token of the step's connection: a bearer credential that travels in the URL path. */
export function botTokenOf(ctx: Pick<NodeContext<unknown>, 'connection'>): string {
  const credentials = ctx.connection?.credentials;
  if (credentials?.type !== 'bearer') throw new FatalError('Telegram actions need a connection holding the bot token as a bearer token');
  return credentials.token;
}

function failureOf(error: PipewrightError): TelegramFailure | undefined {
  const body = error.details['body'];
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as Partial<TelegramFailure> | null;
    return parsed !== null && parsed.ok === false ? (parsed as TelegramFailure) : undefined;
  } catch {
    return undefined;
  }
}

/** Telegram's own account of a failed call, classified by its status and `retry_after`. */
function telegramError(error: PipewrightError, method: string): unknown {
  const failure = failureOf(error);
  const status = error.details['status'];
  if (!failure || typeof status !== 'number') return error;
  const message = `Telegram ${method} failed (${status}): ${failure.description ?? 'no description'}`;
  const details = {
    status,
    errorCode: failure.error_code,
    description: failure.description,
    // A group that became a supergroup has a new chat id: the workflow must use it.
    ...(failure.parameters?.migrate_to_chat_id !== undefined ? { migrateToChatId: failure.parameters.migrate_to_chat_id } : {}),
  };
  const retryAfter = failure.parameters?.retry_after;
  if (status === 429 && retryAfter !== undefined) return new RetryAfterError(retryAfter * 1000, message, { details });
  if (error.code === 'retryable' || error.code === 'retry_after') return new RetryableError(message, { details });
  return new FatalError(message, { details });
}

/**
 * One Bot API call: POST `/bot<token>/<method>` with a JSON body, answering `result`.
 * The token is in the path, so the request goes out without the connection's auth
 * header, and every error is cleared of the token.
 */
export async function callTelegram<Result>(ctx: Pick<NodeContext<unknown>, 'connection' | 'signal' | 'idempotencyKey'>, baseUrl: string, method: string, json: unknown): Promise<Result> {
  const token = botTokenOf(ctx);
  try {
    const response = await httpRequest<{ ok: boolean; result?: Result } | null>(
      // No connection: its auth would add an Authorization header the Bot API has no use for.
      { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey },
      { method: 'POST', url: `${baseUrl.replace(/\/+$/, '')}/bot${token}/${method}`, json, idempotencyHeader: false },
    );
    const body = response.body;
    if (body?.ok !== true || body.result === undefined) throw new FatalError(`Telegram ${method} answered without ok: true and a result`, { details: { status: response.status } });
    return body.result;
  } catch (error) {
    throw withoutSecret(PipewrightError.is(error) ? telegramError(error, method) : error, token);
  }
}
