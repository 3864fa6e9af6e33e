import { defineTrigger, type WebhookDelivery } from '@pipewright/core';
import { z } from 'zod';

export const githubOnEventConfigSchema = z.object({
  /** A connection of the `webhook` connector holding the secret set on the GitHub webhook. */
  secret: z.string().min(1),
  /** Event names as in `X-GitHub-Event` (`issues`, `push`, `pull_request`...); `*` takes every event. */
  events: z.array(z.string().min(1)).min(1),
  /** Only these `action`s (`opened`, `closed`...); events without an `action` (such as `push`) pass when absent only. */
  actions: z.array(z.string().min(1)).min(1).optional(),
});

export type GithubOnEventConfig = z.infer<typeof githubOnEventConfigSchema>;

/** What a run started by a GitHub delivery gets as its trigger output. */
export interface GithubEventInput {
  /** `X-GitHub-Event`, e.g. `issues`. */
  event: string;
  /**
   * `X-GitHub-Delivery`: GitHub's id of the delivery, the same on a redelivery. Undefined
   * while the ingress withholds its idempotency header from `receive` (it dedupes on it).
   */
  delivery: string | undefined;
  /** The payload's `action` (`opened`...), for events that have one. */
  action: string | undefined;
  payload: unknown;
}

function actionOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('action' in body)) return undefined;
  return typeof body.action === 'string' ? body.action : undefined;
}

/**
 * Decides what a verified GitHub delivery does: `ping` (sent when the webhook is
 * created) is answered without a run, so setting the hook up does not start workflows;
 * events and actions not subscribed to are ignored.
 */
export function receiveGithubEvent(delivery: WebhookDelivery, config: GithubOnEventConfig): { run: GithubEventInput } | { respond: { status: number; body: unknown } } | { ignore: true } {
  const event = delivery.headers['x-github-event'];
  if (event === 'ping') return { respond: { status: 200, body: { ok: true } } };
  if (event === undefined || !(config.events.includes('*') || config.events.includes(event))) return { ignore: true };
  const action = actionOf(delivery.body);
  if (config.actions !== undefined && (action === undefined || !config.actions.includes(action))) return { ignore: true };
  return { run: { event, delivery: delivery.headers['x-github-delivery'], action, payload: delivery.body } };
}

/**
 * Starts a run for each event a GitHub repository or organization webhook delivers
 * (content type `application/json`), checked against its secret (`X-Hub-Signature-256`).
 * A redelivery of the same `X-GitHub-Delivery` starts nothing.
 */
export const githubOnEventTrigger = defineTrigger({
  type: 'github.onEvent',
  version: 1,
  title: 'On GitHub event',
  description: 'Starts a run when a GitHub webhook delivers an event, such as an opened issue or a push.',
  category: 'GitHub',
  icon: 'github',
  source: 'webhook',
  configSchema: githubOnEventConfigSchema,
  sideEffects: false,
  sampleOutput: { event: 'issues', delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958', action: 'opened', payload: { action: 'opened', issue: { number: 1347, title: 'Found a bug' }, repository: { full_name: 'octocat/Hello-World' } } },
  webhook: {
    verify: (config) => ({ scheme: 'github', secrets: [config.secret] }),
    idempotencyHeader: 'x-github-delivery',
    receive: receiveGithubEvent,
  },
});
