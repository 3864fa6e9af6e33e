import { decodeHex } from './hex';
import { signedByAny, utf8SecretBytes } from './hmac-sha256';
import { maxSignatureHeaderLength } from './signature-headers';
import { outsideWindow, parseTimestamp } from './timestamp-window';
import { rejected, type WebhookVerdict } from './webhook-verdict';

const encoder = new TextEncoder();

/**
 * Slack's request signing: `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of
 * `v0:${X-Slack-Request-Timestamp}:${body}` keyed by the app's signing secret, with the
 * timestamp inside the tolerance (Slack says five minutes).
 */
export async function verifySlack(options: { toleranceSeconds: number }, request: { headers: Headers; body: Uint8Array }, secrets: readonly string[], now: number): Promise<WebhookVerdict> {
  const header = request.headers.get('x-slack-signature');
  const stamp = request.headers.get('x-slack-request-timestamp');
  if (!header || !stamp) return rejected('missing_headers');
  if (header.length > maxSignatureHeaderLength || !header.startsWith('v0=')) return rejected('bad_signature');
  const timestamp = parseTimestamp(stamp);
  if (timestamp === undefined) return rejected('bad_timestamp');
  const outside = outsideWindow(timestamp, now, options.toleranceSeconds);
  if (outside !== undefined) return outside;
  const signature = decodeHex(header.slice(3));
  if (signature === undefined) return rejected('bad_signature');
  const head = encoder.encode(`v0:${timestamp}:`);
  const content = new Uint8Array(head.length + request.body.length);
  content.set(head);
  content.set(request.body, head.length);
  if (!signedByAny(secrets.map(utf8SecretBytes), content, [signature])) return rejected('bad_signature');
  return { ok: true, timestamp };
}
