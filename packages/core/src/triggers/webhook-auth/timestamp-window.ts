import { rejected, type WebhookRejection } from './webhook-verdict';

/**
 * Whole seconds since the epoch, as senders write them. Signs, fractions and exponents
 * are malformed; 15 digits keep the value a safe integer.
 */
export function parseTimestamp(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/**
 * Rejects a timestamp more than `toleranceSeconds` from `now` (epoch ms) either way;
 * exactly the tolerance is accepted. Both sides are whole seconds, as the Standard
 * Webhooks reference library compares them, so the boundary does not move with the
 * milliseconds of `now`. The comparisons are negated so a NaN clock rejects.
 */
export function outsideWindow(timestamp: number, now: number, toleranceSeconds: number): WebhookRejection | undefined {
  const nowSeconds = Math.floor(now / 1000);
  if (!(nowSeconds - timestamp <= toleranceSeconds)) return rejected('stale_timestamp');
  if (!(timestamp - nowSeconds <= toleranceSeconds)) return rejected('future_timestamp');
  return undefined;
}
