import { z } from 'zod';

/** How a connector authenticates; a connection of that connector holds the secret. */
export const authSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({
    type: z.literal('apiKey'),
    in: z.enum(['header', 'query']),
    name: z.string().min(1),
    /** Prepended to the key, e.g. `"Token "`. */
    prefix: z.string().optional(),
  }),
  z.object({ type: z.literal('bearer') }),
  z.object({ type: z.literal('basic') }),
  z.object({
    type: z.literal('oauth2'),
    grant: z.enum(['authorizationCode', 'clientCredentials']),
    authorizeUrl: z.url().optional(),
    tokenUrl: z.url(),
    scopes: z.array(z.string()).default([]),
    pkce: z.boolean().default(true),
    /**
     * How the client authenticates at the token endpoint: `body` sends client_id and
     * client_secret as form parameters (client_secret_post), `basic` an Authorization
     * header (client_secret_basic). Servers differ in which they accept.
     */
    clientAuthentication: z.enum(['body', 'basic']).default('body'),
    /** Added to the authorization URL, e.g. Google's `{ access_type: 'offline' }` for a refresh token. */
    extraAuthorizeParams: z.record(z.string(), z.string()).optional(),
  }),
]);

export type AuthSpec = z.input<typeof authSpecSchema>;
