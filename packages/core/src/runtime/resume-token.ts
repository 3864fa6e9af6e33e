import { PipewrightError } from '../errors/pipewright-error';
import type { RunId } from '../ids';

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

async function signature(secret: string, runId: string, nodeId: string): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return base64url(await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(`${runId}.${nodeId}`))).slice(0, 32);
}

/**
 * The token that resumes a run waiting in `core.waitForEvent`: run id, node id and an
 * HMAC under the run's secret, so it cannot be guessed from the ids.
 */
export async function createResumeToken(secret: string, runId: RunId, nodeId: string): Promise<string> {
  return `${runId}.${nodeId}.${await signature(secret, runId, nodeId)}`;
}

export function parseResumeToken(token: string): { runId: RunId; nodeId: string; signature: string } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => part === '')) throw new PipewrightError('invalid_token', 'Malformed resume token');
  const [runId, nodeId, sig] = parts as [string, string, string];
  return { runId: runId as RunId, nodeId, signature: sig };
}

/** Checks a token's signature in constant time. */
export async function verifyResumeToken(secret: string, runId: RunId, nodeId: string, given: string): Promise<boolean> {
  const expected = await signature(secret, runId, nodeId);
  if (expected.length !== given.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return difference === 0;
}
