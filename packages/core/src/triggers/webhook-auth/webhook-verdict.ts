/** The outcome of checking one incoming webhook against its trigger's scheme and secrets. */
export type WebhookVerdict =
  | {
      ok: true;
      /** The delivery id to dedupe on when the scheme has one (`webhook-id`; Stripe has none). */
      eventId?: string;
      /** The signed timestamp (seconds) when the scheme has one. */
      timestamp?: number;
      /** JWT claims. */
      claims?: Record<string, unknown>;
    }
  | { ok: false; status: 400 | 401; reason: 'missing_headers' | 'bad_signature' | 'stale_timestamp' | 'future_timestamp' | 'bad_timestamp' | 'bad_token' };

export type WebhookRejection = Extract<WebhookVerdict, { ok: false }>;

/**
 * A request that cannot be checked at all is malformed (400); one that was checked and
 * failed is unauthorized (401). Deriving the status from the reason keeps the two in step.
 */
export function rejected(reason: WebhookRejection['reason']): WebhookRejection {
  return { ok: false, status: reason === 'missing_headers' || reason === 'bad_timestamp' ? 400 : 401, reason };
}
