import { FatalError, RetryableError } from '@pipewright/core';

/** What nodemailer puts on its errors (not in its typings as one type). */
interface NodemailerError {
  message: string;
  /** nodemailer's own: EAUTH, ECONNECTION, ESOCKET, ETIMEDOUT, EDNS, ETLS, EENVELOPE, EMESSAGE, ... */
  code?: string;
  /** The SMTP reply code, e.g. 535 for rejected credentials. */
  responseCode?: number;
  /** The SMTP command that failed, e.g. `AUTH PLAIN`. */
  command?: string;
  /** For socket errors: the system error, e.g. ECONNREFUSED. */
  errno?: string | number;
}

/** Failures of the network, not of the request: another attempt may reach the server. */
const networkCodes = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

function read(error: unknown): NodemailerError {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const fields = error as Record<string, unknown>;
  const result: NodemailerError = { message: typeof fields['message'] === 'string' ? fields['message'] : String(error) };
  if (typeof fields['code'] === 'string') result.code = fields['code'];
  if (typeof fields['responseCode'] === 'number') result.responseCode = fields['responseCode'];
  if (typeof fields['command'] === 'string') result.command = fields['command'];
  if (typeof fields['errno'] === 'string' || typeof fields['errno'] === 'number') result.errno = fields['errno'];
  return result;
}

/**
 * Maps a nodemailer failure to the engine's retry classes. SMTP says it itself (RFC 5321
 * §4.2.1): a 4xx reply is transient, a 5xx reply permanent. Rejected credentials (535)
 * and TLS failures (a certificate that does not match) need a person; a connection that
 * was refused, reset or timed out may work on the next attempt.
 */
export function smtpError(thrown: unknown, server: string): Error {
  const error = read(thrown);
  const details: Record<string, unknown> = { server };
  if (error.code !== undefined) details['code'] = error.code;
  if (error.responseCode !== undefined) details['responseCode'] = error.responseCode;
  if (error.command !== undefined) details['command'] = error.command;
  const options = { cause: thrown, details };
  if (error.code === 'EAUTH') return new FatalError(`The SMTP server ${server} rejected the username or password: ${error.message}`, options);
  if (error.responseCode !== undefined && error.responseCode >= 500) return new FatalError(`The SMTP server ${server} refused the message: ${error.message}`, options);
  if (error.responseCode !== undefined && error.responseCode >= 400) return new RetryableError(`The SMTP server ${server} deferred the message: ${error.message}`, options);
  if (error.code === 'ETLS') return new FatalError(`The TLS handshake with ${server} failed: ${error.message}`, options);
  if (error.code !== undefined && networkCodes.has(error.code)) return new RetryableError(`Could not talk to the SMTP server ${server}: ${error.message}`, options);
  if (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') return new FatalError(`The message could not be sent: ${error.message}`, options);
  return new RetryableError(`Sending through ${server} failed: ${error.message}`, options);
}
