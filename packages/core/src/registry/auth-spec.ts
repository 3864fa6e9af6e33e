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
  }),
]);

export type AuthSpec = z.input<typeof authSpecSchema>;
