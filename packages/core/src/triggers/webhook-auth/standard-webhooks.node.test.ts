import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { standardWebhookContent, signStandardWebhook, standardWebhookHeaders } from './standard-webhooks';
import { webhookVerificationSchema } from './verification-scheme';
import { verifyWebhook, type WebhookVerdict } from './verify-webhook';

interface ConformanceCase {
  name: string;
  secret: string;
  id: string;
  timestamp: number;
  body: string;
  body_utf8_hex_sha256: string;
  signed_content: string;
  signature: string;
  headers: Record<string, string>;
  negative_cases: { label: string; why: string; error: string }[];
}

// Read at load time: a missing file fails the suite instead of leaving nothing to run.
// A copy of the independent vectors (../shared/conformance/standard-webhooks-v1.json), kept in the repo so a clean clone tests against them.
const vectorsUrl = new URL('./conformance/standard-webhooks-v1.json', import.meta.url);
const vectors = JSON.parse(readFileSync(vectorsUrl, 'utf8')) as { cases: ConformanceCase[] };

const verification = webhookVerificationSchema.parse({ scheme: 'standardWebhooks' });
const encoder = new TextEncoder();

/** The fixed clock of the vectors' README: 30 s after the signed timestamp, in ms. */
function clockFor(timestamp: number, offsetSeconds = 30): number {
  return (timestamp + offsetSeconds) * 1000;
}

function verify(headers: Record<string, string>, body: string, secret: string, now: number): Promise<WebhookVerdict> {
  return verifyWebhook(verification, { headers: new Headers(headers), body: encoder.encode(body) }, [secret], now);
}

/** Each negative label of the vectors, as the request and clock it describes, and the verdict it must get. */
const negatives: Record<string, (vector: ConformanceCase) => { headers: Record<string, string>; body: string; now: number; expected: WebhookVerdict }> = {
  'body-modified': (vector) => ({ headers: vector.headers, body: `${vector.body} `, now: clockFor(vector.timestamp), expected: { ok: false, status: 401, reason: 'bad_signature' } }),
  'id-modified': (vector) => ({
    headers: { ...vector.headers, 'webhook-id': `${vector.id}x` },
    body: vector.body,
    now: clockFor(vector.timestamp),
    expected: { ok: false, status: 401, reason: 'bad_signature' },
  }),
  'timestamp-modified': (vector) => ({
    headers: { ...vector.headers, 'webhook-timestamp': String(vector.timestamp + 1) },
    body: vector.body,
    now: clockFor(vector.timestamp),
    expected: { ok: false, status: 401, reason: 'bad_signature' },
  }),
  'wrong-version-tag': (vector) => ({
    headers: { ...vector.headers, 'webhook-signature': vector.signature.replace(/^v1,/, 'v2,') },
    body: vector.body,
    now: clockFor(vector.timestamp),
    expected: { ok: false, status: 401, reason: 'bad_signature' },
  }),
  'too-old': (vector) => ({ headers: vector.headers, body: vector.body, now: clockFor(vector.timestamp, 301), expected: { ok: false, status: 401, reason: 'stale_timestamp' } }),
  'too-new': (vector) => ({ headers: vector.headers, body: vector.body, now: clockFor(vector.timestamp, -301), expected: { ok: false, status: 401, reason: 'future_timestamp' } }),
};

describe('Standard Webhooks v1 conformance vectors', () => {
  it('reads the vectors', () => {
    expect(fileURLToPath(vectorsUrl).endsWith('/conformance/standard-webhooks-v1.json')).toBe(true);
    expect(vectors.cases.length).toBeGreaterThanOrEqual(4);
    for (const vector of vectors.cases) expect(vector.negative_cases.length).toBeGreaterThan(0);
  });

  describe.each(vectors.cases.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    it('reads the body as the vector’s author did', () => {
      expect(createHash('sha256').update(vector.body, 'utf8').digest('hex')).toBe(vector.body_utf8_hex_sha256);
      expect(new TextDecoder().decode(standardWebhookContent(vector.id, vector.timestamp, vector.body))).toBe(vector.signed_content);
    });

    it('signs to the expected signature and headers', async () => {
      const message = { id: vector.id, timestamp: vector.timestamp, body: vector.body };
      expect(await signStandardWebhook(vector.secret, message)).toBe(vector.signature);
      expect(await signStandardWebhook(vector.secret, { ...message, body: encoder.encode(vector.body) })).toBe(vector.signature);
      expect(await standardWebhookHeaders(vector.secret, message)).toEqual(vector.headers);
    });

    it('verifies at timestamp + 30 s', async () => {
      expect(await verify(vector.headers, vector.body, vector.secret, clockFor(vector.timestamp))).toEqual({ ok: true, eventId: vector.id, timestamp: vector.timestamp });
    });

    it('verifies with the secret given without its whsec_ prefix', async () => {
      const bare = vector.secret.replace(/^whsec_/, '');
      expect(await verify(vector.headers, vector.body, bare, clockFor(vector.timestamp))).toMatchObject({ ok: true });
    });

    it('accepts exactly the 300 s tolerance either way', async () => {
      expect(await verify(vector.headers, vector.body, vector.secret, clockFor(vector.timestamp, 300))).toMatchObject({ ok: true });
      expect(await verify(vector.headers, vector.body, vector.secret, clockFor(vector.timestamp, -300))).toMatchObject({ ok: true });
    });

    it.each(vector.negative_cases.map((negative) => [negative.label, negative] as const))('rejects %s', async (label) => {
      const build = negatives[label];
      if (build === undefined) throw new Error(`No test for the negative case "${label}": add it to this file`);
      const { headers, body, now, expected } = build(vector);
      expect(await verify(headers, body, vector.secret, now)).toEqual(expected);
    });
  });
});
