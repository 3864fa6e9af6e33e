import type { WebhookVerification } from './verification-scheme';
import { verifyBearer } from './verify-bearer';
import { githubSignature, verifyHmacSignature } from './verify-hmac-signature';
import { verifyJwt } from './verify-jwt';
import { verifyStandardWebhook } from './verify-standard-webhook';
import { verifySlack } from './verify-slack';
import { verifyStripe } from './verify-stripe';
import type { WebhookVerdict } from './webhook-verdict';

export type { WebhookVerdict } from './webhook-verdict';

/**
 * Checks an incoming webhook against its trigger's verification scheme. Pure: no store,
 * no clock of its own (`now` is epoch ms). With several secrets any one verifying is
 * enough, so a secret can be rotated without dropping deliveries. Hostile input gives
 * `ok: false` with 400 (missing or malformed headers) or 401 (checked and failed), never
 * an exception.
 *
 * @example
 * const verdict = await verifyWebhook({ scheme: 'github' }, { headers: request.headers, body }, [secret], Date.now());
 * if (!verdict.ok) return new Response(null, { status: verdict.status });
 */
export async function verifyWebhook(
  verification: WebhookVerification,
  request: { headers: Headers; body: Uint8Array },
  secrets: readonly string[],
  now: number,
): Promise<WebhookVerdict> {
  switch (verification.scheme) {
    case 'none':
      return { ok: true };
    case 'standardWebhooks':
      return await verifyStandardWebhook(verification, request, secrets, now);
    case 'hmacSha256':
      return await verifyHmacSignature(verification, request, secrets);
    case 'github':
      return await verifyHmacSignature(githubSignature, request, secrets);
    case 'stripe':
      return await verifyStripe(verification, request, secrets, now);
    case 'bearer':
      return await verifyBearer(request, secrets);
    case 'slack':
      return await verifySlack(verification, request, secrets, now);
    case 'jwt':
      return await verifyJwt(verification, request, secrets, now);
  }
}
