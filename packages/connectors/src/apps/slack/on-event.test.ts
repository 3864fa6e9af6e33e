import { createHmac } from 'node:crypto';
import type { Engine } from '@pipewright/core';
import { startWebhookEngine } from '../../test-support/webhook-engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackConnector } from './index';

const ctx = { tenantId: 'acme' };
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
let engine: Engine;
let baseUrl = '';
let secretId = '';
let close: () => Promise<void>;

beforeAll(async () => {
  ({ engine, baseUrl, secretId, close } = await startWebhookEngine(slackConnector, secret, ctx.tenantId));
});

afterAll(async () => {
  await close();
});

let workflowCount = 0;

/** Publishes and enables a workflow whose trigger is `slack.onEvent`; returns its URL. */
async function deploy(eventTypes: string[]): Promise<{ id: string; url: string }> {
  const id = `slack-hook-${++workflowCount}`;
  await engine.workflows.save(ctx, { id, name: id, nodes: [{ id: 'slack', type: 'slack.onEvent', config: { secret: secretId, eventTypes } }], edges: [] });
  await engine.workflows.publish(ctx, id);
  const [registration] = await engine.triggers.enable(ctx, id);
  return { id, url: `${baseUrl}/hooks/${registration?.path ?? ''}` };
}

async function runCount(workflowId: string): Promise<number> {
  return (await engine.runs.list(ctx, { workflowId })).items.length;
}

/** A request as Slack's Events API sends it, signed with `key` at `timestamp` (seconds). */
function send(url: string, payload: unknown, options: { key?: string; timestamp?: number; headers?: Record<string, string> } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', options.key ?? secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      ...options.headers,
    },
    body,
  });
}

// An `event_callback` envelope as Slack sends it (from the Events API docs).
function mention(eventId: string, type = 'app_mention'): Record<string, unknown> {
  return {
    token: 'XXYYZZ',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event: { type, user: 'U061F7AUR', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C0LAN2Q65', event_ts: '1515449522000016' },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1515449522,
    authorizations: [{ enterprise_id: null, team_id: 'T0001', user_id: 'U0LAN0Z89', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: '4-eyJldCI6ImFwcF9tZW50aW9uIn0',
  };
}

describe('slack.onEvent over HTTP', () => {
  it('starts a run with the event id, team, type and event of a subscribed event', async () => {
    const hook = await deploy(['app_mention']);
    const payload = mention('Ev0PV52K21');
    const response = await send(hook.url, payload);
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const view = await engine.runs.get(ctx, runId);
    expect(view.input).toEqual({ eventId: 'Ev0PV52K21', teamId: 'T0001', type: 'app_mention', event: payload['event'] });
  });

  it('answers url_verification with its challenge and starts no run', async () => {
    const hook = await deploy(['app_mention']);
    const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
    const response = await send(hook.url, { token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge, type: 'url_verification' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge });
    expect(await runCount(hook.id)).toBe(0);
  });

  it('refuses a wrong signature with 401 and starts no run', async () => {
    const hook = await deploy(['app_mention']);
    expect((await send(hook.url, mention('Ev1'), { key: 'ffffffffffffffffffffffffffffffff' })).status).toBe(401);
    expect(await runCount(hook.id)).toBe(0);
  });

  it('refuses a timestamp more than five minutes old with 401, even when signed right', async () => {
    const hook = await deploy(['app_mention']);
    expect((await send(hook.url, mention('Ev2'), { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    expect(await runCount(hook.id)).toBe(0);
  });

  it('ignores event types not subscribed to and other envelopes with 202 and no run', async () => {
    const hook = await deploy(['app_mention']);
    for (const payload of [mention('Ev3', 'reaction_added'), { token: 'XXYYZZ', team_id: 'T0001', minute_rate_limited: 1518467820, api_app_id: 'A0001', type: 'app_rate_limited' }]) {
      const response = await send(hook.url, payload);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ ignored: true });
    }
    expect(await runCount(hook.id)).toBe(0);
  });

  it('starts one run per event_id: Slack’s retry of a delivery starts nothing new', async () => {
    const hook = await deploy(['app_mention']);
    const first = (await (await send(hook.url, mention('Ev4'))).json()) as { runId: string };
    const retry = await send(hook.url, mention('Ev4'), { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry.status).toBe(400);
    expect(await retry.json()).toMatchObject({ code: 'replayed' });
    expect(await runCount(hook.id)).toBe(1);
    expect((await engine.runs.get(ctx, first.runId)).input).toMatchObject({ eventId: 'Ev4' });
  });

  it('rejects a config without eventTypes at compile time, with the field path', async () => {
    const saved = await engine.workflows.save(ctx, { id: 'slack-bad', name: 'bad', nodes: [{ id: 'slack', type: 'slack.onEvent', config: { secret: secretId } }], edges: [] });
    expect(saved.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', code: 'invalid_node_config', nodeId: 'slack', path: ['nodes', 0, 'config', 'eventTypes'] }));
    await expect(engine.workflows.publish(ctx, 'slack-bad')).rejects.toMatchObject({ code: 'invalid_workflow' });
  });
});
