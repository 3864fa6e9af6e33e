import { PipewrightError } from '../errors/pipewright-error';
import type { AuthSpec } from '../registry/auth-spec';
import type { StoredCredentials } from './credentials';

function base64OfText(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `bearer` as some servers spell it in `token_type` is still the Bearer scheme (RFC 6750). */
function schemeOf(tokenType: string): string {
  return tokenType.toLowerCase() === 'bearer' ? 'Bearer' : tokenType;
}

/** Where credentials go on an outgoing request; `applyAuth` fills it in place. */
export interface AuthTarget {
  url: URL;
  headers: Headers;
}

/**
 * Puts the connection's credentials on a request as the connector's auth spec says:
 * a header or query parameter for an API key, an Authorization header otherwise.
 * Works on the URL and headers rather than a `Request`, so a body (even a stream) is
 * never copied and a request can be sent again with a refreshed token.
 */
export function applyAuth(spec: AuthSpec, credentials: StoredCredentials, target: AuthTarget): void {
  if (credentials.type !== spec.type) {
    throw new PipewrightError('invalid_credentials', `The connection holds ${credentials.type} credentials; the connector expects ${spec.type}`);
  }
  switch (credentials.type) {
    case 'none':
      return;
    case 'apiKey': {
      if (spec.type !== 'apiKey') return;
      const value = `${spec.prefix ?? ''}${credentials.apiKey}`;
      if (spec.in === 'query') target.url.searchParams.set(spec.name, value);
      else target.headers.set(spec.name, value);
      return;
    }
    case 'bearer':
      target.headers.set('authorization', `Bearer ${credentials.token}`);
      return;
    case 'basic':
      target.headers.set('authorization', `Basic ${base64OfText(`${credentials.username}:${credentials.password}`)}`);
      return;
    case 'oauth2':
      target.headers.set('authorization', `${schemeOf(credentials.tokenType)} ${credentials.accessToken}`);
      return;
  }
}
