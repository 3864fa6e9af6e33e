import { PipewrightError } from '../errors/pipewright-error';

/** Where a page ended: the sort key of its last item (a time, then an id as tie-break). */
export interface CursorKey {
  at: number;
  id: string;
}

/** Default and largest page sizes of the stores' list methods. */
export const defaultPageLimit = 50;
export const maxPageLimit = 500;

/** A requested page size, clamped to 1..500; 50 when absent or not a number. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return defaultPageLimit;
  return Math.min(maxPageLimit, Math.max(1, Math.floor(limit)));
}

/** An opaque cursor: base64url of the JSON of the key (UTF-8, so any id survives). */
export function encodeCursor(key: CursorKey): string {
  const bytes = new TextEncoder().encode(JSON.stringify([key.at, key.id]));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Reads a cursor made by `encodeCursor`; anything else fails with `invalid_cursor`. */
export function decodeCursor(cursor: string): CursorKey {
  const invalid = (cause?: unknown): PipewrightError =>
    new PipewrightError('invalid_cursor', 'The page cursor is malformed; pass back a nextCursor exactly as it was returned', {
      ...(cause === undefined ? {} : { cause }),
      details: { cursor },
    });
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw invalid(error);
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'number' || !Number.isFinite(at) || typeof id !== 'string') throw invalid();
  return { at, id };
}

/** Newest first: a larger time first, then a larger id. Negative when `a` comes first. */
export function compareNewestFirst(a: CursorKey, b: CursorKey): number {
  if (a.at !== b.at) return b.at - a.at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
