import { decodeBase64 } from '../../secrets/base64';
import { decodeHex } from './hex';
import { signedByAny, utf8SecretBytes } from './hmac-sha256';
import { maxSignatureHeaderLength } from './signature-headers';
import { rejected, type WebhookVerdict } from './webhook-verdict';

export interface HmacSignatureOptions {
  header: string;
  encoding: 'hex' | 'base64';
  /** Written before the MAC, e.g. `sha256=`; matched exactly. */
  prefix: string;
}

/** GitHub signs the raw body with the secret as typed and sends `X-Hub-Signature-256: sha256=<hex>`. */
export const githubSignature: HmacSignatureOptions = { header: 'x-hub-signature-256', encoding: 'hex', prefix: 'sha256=' };

/**
 * The common "HMAC-SHA256 of the raw body in a header" scheme (GitHub, Shopify, many
 * others). It carries no timestamp or id, so it cannot stop replays by itself.
 */
export async function verifyHmacSignature(options: HmacSignatureOptions, request: { headers: Headers; body: Uint8Array }, secrets: readonly string[]): Promise<WebhookVerdict> {
  const value = request.headers.get(options.header);
  if (!value) return rejected('missing_headers');
  if (value.length > maxSignatureHeaderLength || !value.startsWith(options.prefix)) return rejected('bad_signature');
  const encoded = value.slice(options.prefix.length);
  const signature = options.encoding === 'hex' ? decodeHex(encoded) : decodeBase64(encoded);
  if (signature === undefined || !signedByAny(secrets.map(utf8SecretBytes), request.body, [signature])) return rejected('bad_signature');
  return { ok: true };
}
