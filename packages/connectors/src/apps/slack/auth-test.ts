import type { StepConnection } from '@pipewright/core';
import { callSlack, slackDefaultBaseUrl } from './slack-call';

/**
 * Checks a bot token with `auth.test`, Slack's "who am I": it fails with
 * `invalid_auth` or `token_revoked` when the token does not work.
 */
export async function testSlackConnection(ctx: { connection: StepConnection; signal: AbortSignal }, baseUrl = slackDefaultBaseUrl): Promise<void> {
  await callSlack(
    // auth.test changes nothing: no idempotency key is sent or needed.
    { connection: ctx.connection, signal: ctx.signal, idempotencyKey: 'slack:auth.test' },
    { baseUrl, method: 'auth.test', httpMethod: 'POST' },
  );
}
