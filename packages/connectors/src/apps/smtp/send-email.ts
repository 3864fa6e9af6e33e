import { defineNode, FatalError } from '@pipewright/core';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { smtpError } from './smtp-error';

const addresses = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const smtpSendEmailConfigSchema = z
  .object({
    connection: z.string().min(1),
    host: z.string().min(1),
    /** 587 (submission with STARTTLS) unless set; 465 with `secure: true`. */
    port: z.number().int().min(1).max(65_535).default(587),
    /** TLS from the first byte (port 465). When false the server's STARTTLS is used if it offers it. */
    secure: z.boolean().default(false),
    /** `"Shop <orders@example.com>"` or a bare address. */
    from: z.string().min(1),
    to: addresses,
    cc: addresses.optional(),
    bcc: addresses.optional(),
    subject: z.string().max(998),
    text: z.string().optional(),
    html: z.string().optional(),
    replyTo: z.string().min(1).optional(),
  })
  .refine((config) => config.text !== undefined || config.html !== undefined, { message: 'Give the message a text or an html body', path: ['text'] });

export interface SmtpSendEmailOutput {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's final reply, e.g. `250 OK: queued as 12345`. */
  response: string;
  envelope: { from: string | false; to: string[] };
}

/** A connection that cannot be set up within this is down; the step's own timeout may be longer. */
const connectionTimeoutMs = 15_000;
const greetingTimeoutMs = 15_000;
/** Idle time on an open connection; a large message to a slow server still goes through. */
const socketTimeoutMs = 60_000;

/**
 * A Message-ID stable across the step's retries: when an attempt dies after the server
 * took the message (a lost final reply), the resent copy carries the same id, so mail
 * systems that drop duplicate ids keep one.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^@\s>]+)>?\s*$/.exec(from)?.[1] ?? 'pipewright.invalid';
  return `<${idempotencyKey.replace(/[^A-Za-z0-9.\-_]/g, '.')}@${domain}>`;
}

function addressList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => (typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null && 'address' in entry ? String(entry.address) : String(entry)));
}

/** Sends an email through an SMTP server with the connection's username and password. */
export const smtpSendEmailNode = defineNode({
  type: 'smtp.sendEmail',
  version: 1,
  title: 'Send email',
  description: 'Sends an email through an SMTP server.',
  category: 'Email',
  icon: 'mail',
  configSchema: smtpSendEmailConfigSchema,
  sideEffects: true,
  sampleOutput: {
    messageId: '<run_1.send@example.com>',
    accepted: ['ada@example.com'],
    rejected: [],
    response: '250 OK: message queued',
    envelope: { from: 'orders@example.com', to: ['ada@example.com'] },
  } satisfies SmtpSendEmailOutput,
  run: async ({ config, connection, signal, idempotencyKey }): Promise<SmtpSendEmailOutput> => {
    const credentials = connection?.credentials;
    if (credentials?.type !== 'basic') throw new FatalError('smtp.sendEmail needs a connection with a username and password');
    const server = `${config.host}:${config.port}`;
    const transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      auth: { user: credentials.username, pass: credentials.password },
      connectionTimeout: connectionTimeoutMs,
      greetingTimeout: greetingTimeoutMs,
      socketTimeout: socketTimeoutMs,
      // nodemailer's logger would print the AUTH exchange, where the password travels base64-encoded.
      logger: false,
      debug: false,
    });
    // nodemailer takes no AbortSignal: closing the transport drops the socket, and the
    // step ends with the signal's reason (its timeout or the run's cancellation).
    const aborted = new Promise<never>((_, reject) => {
      const abort = (): void => {
        transport.close();
        reject(signal.reason);
      };
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const info = await Promise.race([
        transport.sendMail({
          from: config.from,
          to: config.to,
          ...(config.cc === undefined ? {} : { cc: config.cc }),
          ...(config.bcc === undefined ? {} : { bcc: config.bcc }),
          ...(config.replyTo === undefined ? {} : { replyTo: config.replyTo }),
          subject: config.subject,
          ...(config.text === undefined ? {} : { text: config.text }),
          ...(config.html === undefined ? {} : { html: config.html }),
          messageId: messageIdFor(idempotencyKey, config.from),
        }),
        aborted,
      ]);
      return {
        messageId: info.messageId,
        accepted: addressList(info.accepted),
        rejected: addressList(info.rejected),
        response: info.response,
        envelope: { from: info.envelope.from, to: info.envelope.to },
      };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw smtpError(error, server);
    } finally {
      transport.close();
    }
  },
});
