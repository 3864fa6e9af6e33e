import { PipewrightError } from '../../errors/pipewright-error';
import { decodeBase64, encodeBase64 } from '../../secrets/base64';
import { hmacSha256 } from './hmac-sha256';

const secretPrefix = 'whsec_';
const encoder = new TextEncoder();

/**
 * The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`, or the whole
 * secret when it has no prefix, as the reference libraries accept. Undefined when it is
 * not base64, so such a secret verifies nothing.
 */
export function standardWebhookKey(secret: string): Uint8Array | undefined {
  let key = decodedKeys.get(secret);
  if (key === undefined && !decodedKeys.has(secret)) {
    const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
    const raw = decodeBase64(encoded);
    key = raw === undefined || raw.length === 0 ? undefined : raw;
    // Bounded: secrets of rotated-out connections must not pile up.
    if (decodedKeys.size >= 1_000) decodedKeys.clear();
    decodedKeys.set(secret, key);
  }
  return key;
}

const decodedKeys = new Map<string, Uint8Array | undefined>();

/** `${id}.${timestamp}.` followed by the body's bytes as they travel: the body is never re-encoded. */
export function standardWebhookContent(id: string, timestamp: number, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(`${id}.${timestamp}.`);
  const tail = typeof body === 'string' ? encoder.encode(body) : body;
  const content = new Uint8Array(head.length + tail.length);
  content.set(head);
  content.set(tail, head.length);
  return content;
}

export interface StandardWebhookMessage {
  /** Unique per message and kept across retries: receivers dedupe on it. */
  id: string;
  /** Seconds since the epoch at the attempt. */
  timestamp: number;
  /** The exact bytes (or UTF-8 text) sent as the body. */
  body: string | Uint8Array;
}

/**
 * Signs an outgoing webhook under the Standard Webhooks v1 scheme.
 *
 * @example
 * const signature = await signStandardWebhook(generateWebhookSecret(), { id: 'msg_1', timestamp: 1_700_000_000, body: '{"ok":true}' });
 * // "v1,<base64 of HMAC-SHA256>"
 */
export async function signStandardWebhook(secret: string, message: StandardWebhookMessage): Promise<string> {
  if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0) {
    throw new PipewrightError('invalid_input', 'A Standard Webhooks timestamp is whole seconds since the epoch', { details: { timestamp: message.timestamp } });
  }
  const key = standardWebhookKey(secret);
  if (key === undefined) throw new PipewrightError('invalid_credentials', 'A Standard Webhooks secret is base64, optionally after "whsec_"');
  return `v1,${encodeBase64(hmacSha256(key, standardWebhookContent(message.id, message.timestamp, message.body)))}`;
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three headers of an outgoing Standard Webhooks request. With several secrets (a
 * rotation) the message is signed with each, space-separated, so receivers holding
 * either secret accept it.
 *
 * @example
 * const headers = await standardWebhookHeaders([oldSecret, newSecret], { id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body });
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
 */
export async function standardWebhookHeaders(secrets: string | readonly string[], message: StandardWebhookMessage): Promise<StandardWebhookHeaders> {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new PipewrightError('invalid_credentials', 'Signing a webhook needs at least one secret');
  const signatures = await Promise.all(list.map((secret) => signStandardWebhook(secret, message)));
  return { 'webhook-id': message.id, 'webhook-timestamp': String(message.timestamp), 'webhook-signature': signatures.join(' ') };
}

/**
 * A new signing secret: `whsec_` and the base64 of 32 random bytes (the spec asks for
 * 24 to 64).
 *
 * @example
 * const secret = generateWebhookSecret(); // "whsec_…"
 */
export function generateWebhookSecret(): string {
  return `${secretPrefix}${encodeBase64(globalThis.crypto.getRandomValues(new Uint8Array(32)))}`;
}
