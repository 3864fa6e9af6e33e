import { describe, expect, it } from 'vitest';
import { verifySlack } from './verify-slack';

// The worked example of Slack's "Verifying requests from Slack" guide.
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = 1531420618;
const body =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

function request(headers: Record<string, string>, text = body) {
  return { headers: new Headers(headers), body: new TextEncoder().encode(text) };
}

const now = (timestamp + 30) * 1000;
const options = { toleranceSeconds: 300 };

describe('Slack request signing', () => {
  it('accepts Slack’s documented example', async () => {
    expect(await verifySlack(options, request({ 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) }), [secret], now)).toEqual({ ok: true, timestamp });
  });

  it('refuses a tampered body, another secret, a stale timestamp and missing headers', async () => {
    const headers = { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
    expect(await verifySlack(options, request(headers, `${body}x`), [secret], now)).toMatchObject({ ok: false, status: 401, reason: 'bad_signature' });
    expect(await verifySlack(options, request(headers), ['another-secret'], now)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(await verifySlack(options, request(headers), [secret], (timestamp + 301) * 1000)).toMatchObject({ ok: false, status: 401, reason: 'stale_timestamp' });
    expect(await verifySlack(options, request({ 'x-slack-signature': signature }), [secret], now)).toMatchObject({ ok: false, status: 400, reason: 'missing_headers' });
    expect(await verifySlack(options, request({ ...headers, 'x-slack-signature': 'v1=00' }), [secret], now)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});
