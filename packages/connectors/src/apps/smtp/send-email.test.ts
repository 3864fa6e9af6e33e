import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction } from '../../test-support/run-action';
import { smtpConnector } from './index';
import { messageIdFor } from './send-email';

const username = 'mailer@example.com';
const password = 'smtp-pass-7f3a9c2e';
const credentials = { type: 'basic' as const, username, password };

interface Received {
  from: string | false;
  to: string[];
  user: unknown;
  raw: string;
}

interface LocalSmtp {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1: AUTH PLAIN/LOGIN required, no STARTTLS, messages collected. */
async function startSmtpServer(): Promise<LocalSmtp> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    // Without TLS the server refuses AUTH unless told that plain text is fine here.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === username && auth.password === password) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const address = (entry: SMTPServerAddress | false): string | false => (entry === false ? false : entry.address);
        received.push({ from: address(session.envelope.mailFrom), to: session.envelope.rcptTo.map((entry) => entry.address), user: session.user, raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function header(raw: string, name: string): string | undefined {
  const [head = ''] = raw.split('\r\n\r\n');
  // Unfold continuation lines (RFC 5322 §2.2.3) before matching.
  const line = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n').find((entry) => entry.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

describe('smtp.sendEmail', () => {
  let smtp: LocalSmtp;
  beforeEach(async () => {
    smtp = await startSmtpServer();
  });
  afterEach(() => smtp.close());

  const config = () => ({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    from: 'Shop <orders@shop.example>',
    to: ['ada@example.com', 'grace@example.com'],
    cc: 'ops@example.com',
    bcc: ['audit@example.com'],
    replyTo: 'help@shop.example',
    subject: 'Your order 42',
    text: 'Thanks for your order.\nIt ships tomorrow.',
  });

  it('authenticates and delivers the message: envelope, headers and body', async () => {
    const outcome = await runAction(smtpConnector, 'smtp.sendEmail', config(), { credentials });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('succeeded');
    expect(smtp.received).toHaveLength(1);
    const [message] = smtp.received;
    expect(message?.user).toBe(username);
    expect(message?.from).toBe('orders@shop.example');
    expect(message?.to).toEqual(['ada@example.com', 'grace@example.com', 'ops@example.com', 'audit@example.com']);
    const raw = message?.raw ?? '';
    expect(header(raw, 'Subject')).toBe('Your order 42');
    expect(header(raw, 'From')).toBe('Shop <orders@shop.example>');
    expect(header(raw, 'To')).toBe('ada@example.com, grace@example.com');
    expect(header(raw, 'Cc')).toBe('ops@example.com');
    expect(header(raw, 'Bcc')).toBeUndefined();
    expect(header(raw, 'Reply-To')).toBe('help@shop.example');
    expect(header(raw, 'Message-ID')).toMatch(/^<.+@shop\.example>$/);
    expect(raw.split('\r\n\r\n').slice(1).join('\r\n\r\n')).toContain('Thanks for your order.\r\nIt ships tomorrow.');
    expect(outcome.output).toMatchObject({
      accepted: ['ada@example.com', 'grace@example.com', 'ops@example.com', 'audit@example.com'],
      rejected: [],
      envelope: { from: 'orders@shop.example', to: ['ada@example.com', 'grace@example.com', 'ops@example.com', 'audit@example.com'] },
      messageId: header(raw, 'Message-ID'),
    });
    expect((outcome.output as { response: string }).response).toMatch(/^250 /);
    expect(JSON.stringify(outcome.view)).not.toContain(password);
  });

  it('sends an html body', async () => {
    const { text: _, ...withoutText } = config();
    const outcome = await runAction(smtpConnector, 'smtp.sendEmail', { ...withoutText, to: 'ada@example.com', html: '<p>Hello <b>Ada</b></p>' }, { credentials });
    expect(outcome.status).toBe('succeeded');
    const raw = smtp.received[0]?.raw ?? '';
    expect(header(raw, 'Content-Type')).toContain('text/html');
    expect(raw).toContain('<p>Hello <b>Ada</b></p>');
  });

  it('fails without retrying when the server rejects the password (535)', async () => {
    const outcome = await runAction(smtpConnector, 'smtp.sendEmail', config(), { credentials: { ...credentials, password: 'wrong-password-1' }, retry: { maxAttempts: 3 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false, details: { code: 'EAUTH', responseCode: 535 } });
    expect(outcome.error?.message).toContain('rejected the username or password');
    expect(smtp.received).toHaveLength(0);
    expect(JSON.stringify(outcome.view)).not.toContain('wrong-password-1');
  });

  it('fails retryably when nothing listens on the port (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const outcome = await runAction(smtpConnector, 'smtp.sendEmail', { ...config(), port }, { credentials, retry: { maxAttempts: 2 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(2);
    expect(outcome.error).toMatchObject({ code: 'retryable', retryable: true });
    expect(outcome.error?.message).toContain('ECONNREFUSED');
    expect(JSON.stringify(outcome.view)).not.toContain(password);
  });

  it.each([
    ['a missing host', { host: undefined }, /host/],
    ['a port that is not a number', { port: 'twenty-five' }, /port/],
    ['no body', { text: undefined }, /text/],
    ['a missing subject', { subject: undefined }, /subject/],
  ])('rejects %s at compile time, naming the field', async (_, change, path) => {
    const bad: Record<string, unknown> = { ...config(), ...change };
    for (const [key, value] of Object.entries(bad)) if (value === undefined) delete bad[key];
    await expect(runAction(smtpConnector, 'smtp.sendEmail', bad, { credentials })).rejects.toThrow(path);
  });

  it('derives a stable Message-ID from the idempotency key and the sender domain', () => {
    expect(messageIdFor('run_1:send:0', 'Shop <orders@shop.example>')).toBe('<run_1.send.0@shop.example>');
    expect(messageIdFor('k', 'orders@shop.example')).toBe('<k@shop.example>');
    expect(messageIdFor('k', 'nobody')).toBe('<k@pipewright.invalid>');
  });
});
