import { z } from 'zod';

/**
 * What a connection holds, by auth type. This is the decrypted form: it exists only
 * inside the vault's envelope at rest and inside a running step.
 */
export const apiKeyCredentialsSchema = z.strictObject({ type: z.literal('apiKey'), apiKey: z.string().min(1).max(10_000) });
export const bearerCredentialsSchema = z.strictObject({ type: z.literal('bearer'), token: z.string().min(1).max(10_000) });
export const basicCredentialsSchema = z.strictObject({
  type: z.literal('basic'),
  username: z.string().max(1_000),
  password: z.string().max(10_000),
});
export const noneCredentialsSchema = z.strictObject({ type: z.literal('none') });

/** OAuth2 tokens plus the client that obtained them, so any worker can refresh them. */
export const oauth2CredentialsSchema = z.strictObject({
  type: z.literal('oauth2'),
  clientId: z.string().min(1).max(1_000),
  clientSecret: z.string().min(1).max(10_000).optional(),
  accessToken: z.string().min(1).max(100_000),
  refreshToken: z.string().min(1).max(100_000).optional(),
  tokenType: z.string().min(1).max(100).default('Bearer'),
  /** Epoch ms. */
  expiresAt: z.number().int().nonnegative().optional(),
  scope: z.string().max(10_000).optional(),
});

export const storedCredentialsSchema = z.discriminatedUnion('type', [
  noneCredentialsSchema,
  apiKeyCredentialsSchema,
  bearerCredentialsSchema,
  basicCredentialsSchema,
  oauth2CredentialsSchema,
]);

export type StoredCredentials = z.infer<typeof storedCredentialsSchema>;
export type OAuth2Credentials = z.infer<typeof oauth2CredentialsSchema>;

/**
 * What `connections.create` accepts. OAuth2 takes either a client (client-credentials
 * grant: the engine fetches the token) or tokens obtained elsewhere; the
 * authorization-code grant goes through `connections.authorize` instead.
 */
export const credentialsInputSchema = z.discriminatedUnion('type', [
  noneCredentialsSchema,
  apiKeyCredentialsSchema,
  bearerCredentialsSchema,
  basicCredentialsSchema,
  z.strictObject({
    type: z.literal('oauth2'),
    clientId: z.string().min(1).max(1_000),
    clientSecret: z.string().min(1).max(10_000).optional(),
    accessToken: z.string().min(1).max(100_000).optional(),
    refreshToken: z.string().min(1).max(100_000).optional(),
    tokenType: z.string().min(1).max(100).optional(),
    expiresAt: z.number().int().nonnegative().optional(),
    scope: z.string().max(10_000).optional(),
  }),
]);

export type CredentialsInput = z.input<typeof credentialsInputSchema>;

/** The secret strings of a set of credentials: what redaction must remove wherever they show up. */
export function secretValuesOf(credentials: StoredCredentials): string[] {
  switch (credentials.type) {
    case 'none':
      return [];
    case 'apiKey':
      return [credentials.apiKey];
    case 'bearer':
      return [credentials.token];
    case 'basic':
      // The pair is what a Basic header encodes; the password alone is what a log may show.
      return [credentials.password, `${credentials.username}:${credentials.password}`];
    case 'oauth2':
      return [credentials.accessToken, credentials.refreshToken, credentials.clientSecret].filter((value): value is string => value !== undefined);
  }
}
