import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '@pipewright/core/http';

/** Who the demo token speaks for. */
export const demoPrincipal: Principal = { tenantId: 'demo', userId: 'demo', role: 'admin' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Accepts `Authorization: Bearer <token>` as the demo tenant's admin and nothing else.
 * The comparison runs over digests of equal length in constant time, so the answer's
 * timing says nothing about how much of a guessed token was right.
 *
 * @example
 * ```ts
 * const authorize = demoAuthorizer('pw_demo_0123');
 * authorize(new Request('http://x/api/runs', { headers: { authorization: 'Bearer pw_demo_0123' } })); // the demo admin
 * ```
 */
export function demoAuthorizer(token: string): (request: Request) => Principal | null {
  if (token === '') throw new Error('The demo token is empty');
  const expected = digest(token);
  return (request) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get('authorization') ?? '');
    if (!match?.[1]) return null;
    return timingSafeEqual(digest(match[1]), expected) ? { ...demoPrincipal } : null;
  };
}
