import { bearerToken } from './bearer-token';
import { timingSafeEqual } from './constant-time';
import { rejected, type WebhookVerdict } from './webhook-verdict';

const encoder = new TextEncoder();

function sha256(text: string): Promise<ArrayBuffer> {
  return globalThis.crypto.subtle.digest('SHA-256', encoder.encode(text));
}

/**
 * A shared secret sent as a bearer token. Digests are compared, not the strings: they
 * have equal length whatever was sent, so the time taken says nothing about the
 * secret's length or prefix. Empty secrets never match.
 */
export async function verifyBearer(request: { headers: Headers }, secrets: readonly string[]): Promise<WebhookVerdict> {
  const token = bearerToken(request.headers);
  if (token === undefined) return rejected('missing_headers');
  const presented = new Uint8Array(await sha256(token));
  for (const secret of secrets) {
    if (secret !== '' && timingSafeEqual(presented, new Uint8Array(await sha256(secret)))) return { ok: true };
  }
  return rejected('bad_token');
}
