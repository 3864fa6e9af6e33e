import { decodeBase64 } from '../../secrets/base64';
import { decodeHex } from './hex';

/** A SHA-256 MAC: candidates of any other length cannot match and are dropped while parsing. */
const macBytes = 32;

/**
 * Longer headers are refused unparsed. Real ones hold a handful of signatures (a few
 * during a rotation); a megabyte of entries is only there to burn CPU.
 */
export const maxSignatureHeaderLength = 16_384;

/**
 * The `v1` signatures of a Standard Webhooks `webhook-signature` header: space-separated
 * `<version>,<base64>` entries. Other versions (`v1a` is asymmetric) are ignored, as the
 * spec requires of a v1 verifier, and so is anything that is not base64.
 */
export function standardWebhookSignatures(header: string): Uint8Array[] {
  if (header.length > maxSignatureHeaderLength) return [];
  const signatures: Uint8Array[] = [];
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const signature = decodeBase64(entry.slice(comma + 1));
    if (signature?.length === macBytes) signatures.push(signature);
  }
  return signatures;
}

/**
 * Stripe's `t=<seconds>,v1=<hex>[,v1=<hex>,v0=...]`. Several `v1` entries appear while
 * an endpoint secret is rolled; `v0` and unknown keys are ignored. A repeated `t` is
 * ambiguous (which one was signed?), so it counts as no timestamp.
 */
export function stripeSignature(header: string): { timestamp: string | undefined; signatures: Uint8Array[] } {
  if (header.length > maxSignatureHeaderLength) return { timestamp: undefined, signatures: [] };
  let timestamp: string | undefined;
  let timestamps = 0;
  const signatures: Uint8Array[] = [];
  for (const item of header.split(',')) {
    const equals = item.indexOf('=');
    if (equals < 0) continue;
    const name = item.slice(0, equals).trim();
    const value = item.slice(equals + 1).trim();
    if (name === 't') {
      timestamps++;
      timestamp = value;
    } else if (name === 'v1') {
      const signature = decodeHex(value);
      if (signature?.length === macBytes) signatures.push(signature);
    }
  }
  return { timestamp: timestamps === 1 ? timestamp : undefined, signatures };
}
