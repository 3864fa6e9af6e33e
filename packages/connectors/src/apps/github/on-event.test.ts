import { createHmac, randomUUID } from 'node:crypto';
import type { Engine } from '@pipewright/core';
import { startWebhookEngine } from '../../test-support/webhook-engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubConnector } from './index';
import { receiveGithubEvent } from './on-event';

const ctx = { tenantId: 'acme' };
const secret = 'gh-hook-secret-5f0c1d2e3a4b';
let engine: Engine;
let baseUrl = '';
let secretId = '';
let close: () => Promise<void>;

beforeAll(async () => {
  ({ engine, baseUrl, secretId, close } = await startWebhookEngine(githubConnector, secret, ctx.tenantId));
});

afterAll(async () => {
  await close();
});

let workflowCount = 0;

/** Publishes and enables a workflow whose trigger is `github.onEvent`; returns its URL. */
async function deploy(config: Record<string, unknown>): Promise<{ id: string; url: string }> {
  const id = `github-hook-${++workflowCount}`;
  await engine.workflows.save(ctx, { id, name: id, nodes: [{ id: 'github', type: 'github.onEvent', config: { secret: secretId, ...config } }], edges: [] });
  await engine.workflows.publish(ctx, id);
  const [registration] = await engine.triggers.enable(ctx, id);
  return { id, url: `${baseUrl}/hooks/${registration?.path ?? ''}` };
}

async function runCount(workflowId: string): Promise<number> {
  return (await engine.runs.list(ctx, { workflowId })).items.length;
}

/** A delivery as GitHub sends it (content type `application/json`), signed with `key`. */
function deliver(url: string, event: string, payload: unknown, options: { key?: string; delivery?: string } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/044aadd',
      'x-github-event': event,
      'x-github-delivery': options.delivery ?? randomUUID(),
      'x-github-hook-id': '292430182',
      'x-hub-signature-256': `sha256=${createHmac('sha256', options.key ?? secret).update(body).digest('hex')}`,
    },
    body,
  });
}

// An `issues` payload as GitHub sends it, trimmed to the usual fields.
const issueOpened = {
  action: 'opened',
  issue: { id: 1, number: 1347, title: 'Found a bug', state: 'open', user: { login: 'octocat', id: 1 } },
  repository: { id: 1296269, full_name: 'octocat/Hello-World' },
  sender: { login: 'octocat', id: 1 },
};

describe('github.onEvent over HTTP', () => {
  it('starts a run with the event, delivery, action and payload of a subscribed event', async () => {
    const hook = await deploy({ events: ['issues', 'push'] });
    const delivery = randomUUID();
    const response = await deliver(hook.url, 'issues', issueOpened, { delivery });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const view = await engine.runs.get(ctx, runId);
    expect(view.input).toEqual({ event: 'issues', delivery, action: 'opened', payload: issueOpened });
  });

  it('puts X-GitHub-Delivery in the input when the delivery has it', () => {
    const decision = receiveGithubEvent({ method: 'POST', body: issueOpened, query: {}, headers: { 'x-github-event': 'issues', 'x-github-delivery': 'd-1' } }, { secret: 's', events: ['issues'] });
    expect(decision).toEqual({ run: { event: 'issues', delivery: 'd-1', action: 'opened', payload: issueOpened } });
  });

  it('refuses a wrong signature with 401 and starts no run', async () => {
    const hook = await deploy({ events: ['issues'] });
    const response = await deliver(hook.url, 'issues', issueOpened, { key: 'not-the-secret' });
    expect(response.status).toBe(401);
    expect(await runCount(hook.id)).toBe(0);
  });

  it('answers ping with 200 and starts no run', async () => {
    const hook = await deploy({ events: ['issues'] });
    const response = await deliver(hook.url, 'ping', { zen: 'Keep it logically awesome.', hook_id: 292430182, hook: { type: 'Repository', events: ['issues'] } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(await runCount(hook.id)).toBe(0);
  });

  it('ignores events and actions not subscribed to with 202 and no run', async () => {
    const hook = await deploy({ events: ['issues', 'push'], actions: ['closed'] });
    for (const [event, payload] of [['star', { action: 'created', starred_at: '2024-01-01T00:00:00Z' }], ['issues', issueOpened], ['push', { ref: 'refs/heads/main', commits: [] }]] as const) {
      const response = await deliver(hook.url, event, payload);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ ignored: true });
    }
    expect(await runCount(hook.id)).toBe(0);
    expect((await deliver(hook.url, 'issues', { ...issueOpened, action: 'closed' })).status).toBe(202);
    expect(await runCount(hook.id)).toBe(1);
  });

  it('takes every event with `*`', async () => {
    const hook = await deploy({ events: ['*'] });
    expect((await deliver(hook.url, 'push', { ref: 'refs/heads/main', commits: [] })).status).toBe(202);
    expect((await deliver(hook.url, 'star', { action: 'created' })).status).toBe(202);
    expect(await runCount(hook.id)).toBe(2);
  });

  it('refuses a replayed delivery id with 400: the first delivery’s run is the only one', async () => {
    const hook = await deploy({ events: ['issues'] });
    const delivery = randomUUID();
    expect((await deliver(hook.url, 'issues', issueOpened, { delivery })).status).toBe(202);
    const again = await deliver(hook.url, 'issues', issueOpened, { delivery });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: 'replayed' });
    expect(await runCount(hook.id)).toBe(1);
  });

  it('rejects a config without events at compile time, with the field path', async () => {
    const saved = await engine.workflows.save(ctx, { id: 'github-bad', name: 'bad', nodes: [{ id: 'github', type: 'github.onEvent', config: { secret: secretId, events: 'issues' } }], edges: [] });
    expect(saved.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', code: 'invalid_node_config', nodeId: 'github', path: ['nodes', 0, 'config', 'events'] }));
    await expect(engine.workflows.publish(ctx, 'github-bad')).rejects.toMatchObject({ code: 'invalid_workflow' });
  });
});
