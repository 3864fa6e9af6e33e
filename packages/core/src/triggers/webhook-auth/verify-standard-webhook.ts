import { signedByAny } from './hmac-sha256';
import { standardWebhookSignatures } from './signature-headers';
import { standardWebhookContent, standardWebhookKey } from './standard-webhooks';
import { outsideWindow, parseTimestamp } from './timestamp-window';
import { rejected, type WebhookVerdict } from './webhook-verdict';

/**
 * Standard Webhooks v1: headers, then the timestamp window, then the signature, in the
 * reference library's order. The id is returned so the caller drops replays inside the
 * window.
 */
export async function verifyStandardWebhook(
  options: { toleranceSeconds: number },
  request: { headers: Headers; body: Uint8Array },
  secrets: readonly string[],
  now: number,
): Promise<WebhookVerdict> {
  const id = request.headers.get('webhook-id');
  const timestampText = request.headers.get('webhook-timestamp');
  const signatureHeader = request.headers.get('webhook-signature');
  if (!id || !timestampText || !signatureHeader) return rejected('missing_headers');
  const timestamp = parseTimestamp(timestampText);
  if (timestamp === undefined) return rejected('bad_timestamp');
  const outside = outsideWindow(timestamp, now, options.toleranceSeconds);
  if (outside !== undefined) return outside;
  const signatures = standardWebhookSignatures(signatureHeader);
  const content = standardWebhookContent(id, timestamp, request.body);
  if (!signedByAny(secrets.map(standardWebhookKey), content, signatures)) return rejected('bad_signature');
  return { ok: true, eventId: id, timestamp };
}
