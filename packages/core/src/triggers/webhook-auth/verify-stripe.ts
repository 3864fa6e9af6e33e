import { signedByAny, utf8SecretBytes } from './hmac-sha256';
import { maxSignatureHeaderLength, stripeSignature } from './signature-headers';
import { outsideWindow, parseTimestamp } from './timestamp-window';
import { rejected, type WebhookVerdict } from './webhook-verdict';

const encoder = new TextEncoder();

/**
 * Stripe's `Stripe-Signature`: HMAC-SHA256 of `${t}.${body}` keyed by the endpoint
 * secret (`whsec_…`, used as typed, unlike Standard Webhooks). Stripe sends no delivery
 * id in a header, so replays inside the window are the caller's concern (the event id
 * is in the body).
 */
export async function verifyStripe(
  options: { toleranceSeconds: number },
  request: { headers: Headers; body: Uint8Array },
  secrets: readonly string[],
  now: number,
): Promise<WebhookVerdict> {
  const header = request.headers.get('stripe-signature');
  if (!header) return rejected('missing_headers');
  if (header.length > maxSignatureHeaderLength) return rejected('bad_signature');
  const parsed = stripeSignature(header);
  const timestamp = parsed.timestamp === undefined ? undefined : parseTimestamp(parsed.timestamp);
  if (timestamp === undefined) return rejected('bad_timestamp');
  const outside = outsideWindow(timestamp, now, options.toleranceSeconds);
  if (outside !== undefined) return outside;
  const head = encoder.encode(`${timestamp}.`);
  const content = new Uint8Array(head.length + request.body.length);
  content.set(head);
  content.set(request.body, head.length);
  if (!signedByAny(secrets.map(utf8SecretBytes), content, parsed.signatures)) return rejected('bad_signature');
  return { ok: true, timestamp };
}
