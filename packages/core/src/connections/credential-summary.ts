import type { StoredCredentials } from './credentials';

/**
 * Shows enough of a secret to tell two apart (`sk-…1234`) and never enough to use
 * it: a short secret shows nothing, since four characters of eight are half of it.
 */
export function maskSecret(secret: string): string {
  if (secret.length >= 24) return `${secret.slice(0, 3)}…${secret.slice(-4)}`;
  if (secret.length >= 12) return `…${secret.slice(-4)}`;
  return '••••';
}

/** Display-safe facts about credentials, stored beside the sealed secret and returned by the API. */
export function summarizeCredentials(credentials: StoredCredentials): Record<string, string> {
  switch (credentials.type) {
    case 'none':
      return {};
    case 'apiKey':
      return { apiKey: maskSecret(credentials.apiKey) };
    case 'bearer':
      return { token: maskSecret(credentials.token) };
    case 'basic':
      return { username: credentials.username, password: '••••' };
    case 'oauth2': {
      const summary: Record<string, string> = { clientId: credentials.clientId, accessToken: maskSecret(credentials.accessToken) };
      if (credentials.refreshToken !== undefined) summary.refreshToken = 'present';
      if (credentials.scope !== undefined) summary.scope = credentials.scope;
      if (credentials.expiresAt !== undefined) summary.expiresAt = new Date(credentials.expiresAt).toISOString();
      return summary;
    }
  }
}
