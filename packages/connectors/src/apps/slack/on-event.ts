import { defineTrigger, type WebhookDelivery } from '@pipewright/core';
import { z } from 'zod';

export const slackOnEventConfigSchema = z.object({
  /** A connection of the `webhook` connector holding the app's signing secret (Basic Information → App Credentials). */
  secret: z.string().min(1),
  /** Inner event types of the Events API to start runs for: `message`, `app_mention`, `reaction_added`... */
  eventTypes: z.array(z.string().min(1)).min(1),
});

export type SlackOnEventConfig = z.infer<typeof slackOnEventConfigSchema>;

/** What a run started by a Slack event gets as its trigger output. */
export interface SlackEventInput {
  /**
   * Slack's `event_id`, the same on each retry of an event (Slack retries up to three
   * times, with `X-Slack-Retry-Num`, when it gets no 2xx within three seconds). The
   * ingress does not dedupe on it, so a workflow that must act once checks it.
   */
  eventId: string | undefined;
  teamId: string | undefined;
  /** The inner event's type, e.g. `app_mention`. */
  type: string;
  event: Record<string, unknown>;
}

// The envelope fields the trigger reads; Slack sends more (api_app_id, authorizations...).
const envelopeSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string() }),
  z.looseObject({
    type: z.literal('event_callback'),
    event_id: z.string().optional(),
    team_id: z.string().optional(),
    event: z.looseObject({ type: z.string() }),
  }),
]);

/**
 * Decides what a verified Events API request does: Slack's URL check when the request
 * URL is saved is answered with its challenge, subscribed `event_callback`s start a
 * run, anything else (other event types, `app_rate_limited`) is ignored with 202.
 */
export function receiveSlackEvent(delivery: WebhookDelivery, config: SlackOnEventConfig): { run: SlackEventInput; idempotencyKey?: string } | { respond: { status: number; body: unknown } } | { ignore: true } {
  const envelope = envelopeSchema.safeParse(delivery.body);
  if (!envelope.success) return { ignore: true };
  if (envelope.data.type === 'url_verification') return { respond: { status: 200, body: { challenge: envelope.data.challenge } } };
  const { event, event_id: eventId, team_id: teamId } = envelope.data;
  if (!config.eventTypes.includes(event.type)) return { ignore: true };
  // Slack retries a delivery with the same event_id: one run per event.
  const run = { eventId, teamId, type: event.type, event };
  return eventId === undefined ? { run } : { run, idempotencyKey: eventId };
}

/**
 * Starts a run for each Slack Events API event of the chosen types, checked against the
 * app's signing secret (`X-Slack-Signature`, timestamps older than five minutes refused).
 */
export const slackOnEventTrigger = defineTrigger({
  type: 'slack.onEvent',
  version: 1,
  title: 'On Slack event',
  description: 'Starts a run when the Slack Events API sends an event, such as a mention of the app or a new message.',
  category: 'Slack',
  icon: 'slack',
  source: 'webhook',
  configSchema: slackOnEventConfigSchema,
  sideEffects: false,
  sampleOutput: {
    eventId: 'Ev0PV52K21',
    teamId: 'T0001',
    type: 'app_mention',
    event: { type: 'app_mention', user: 'U061F7AUR', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C0LAN2Q65', event_ts: '1515449522000016' },
  },
  webhook: {
    verify: (config) => ({ scheme: 'slack', secrets: [config.secret] }),
    // No idempotency header: Slack's retries carry the same `event_id` in the body, not in a header.
    receive: receiveSlackEvent,
  },
});
