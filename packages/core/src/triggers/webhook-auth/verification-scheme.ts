import { z } from 'zod';

/** Five minutes either way: the Standard Webhooks reference libraries and Stripe's SDKs use the same window. */
const defaultToleranceSeconds = 300;

/**
 * How an incoming webhook proves who sent it. Every scheme but `none` checks the
 * request against the trigger's secrets, any one of which may match (rotation).
 */
export const webhookVerificationSchema = z.discriminatedUnion('scheme', [
  /** No check at all; must be chosen explicitly so an unsigned endpoint is never an accident. */
  z.object({ scheme: z.literal('none') }),
  /** `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>` (standardwebhooks.com); the secret is `whsec_<base64>`. */
  z.object({ scheme: z.literal('standardWebhooks'), toleranceSeconds: z.number().int().min(1).max(3600).default(defaultToleranceSeconds) }),
  /** HMAC-SHA256 of the raw body in `header`, hex or base64, after an optional `prefix` such as `sha256=`. */
  z.object({ scheme: z.literal('hmacSha256'), header: z.string().min(1), encoding: z.enum(['hex', 'base64']).default('hex'), prefix: z.string().default('') }),
  /** GitHub's `X-Hub-Signature-256: sha256=<hex>`. */
  z.object({ scheme: z.literal('github') }),
  /** `Stripe-Signature: t=<seconds>,v1=<hex>[,v1=<hex>]` over `${t}.${body}`. */
  z.object({ scheme: z.literal('stripe'), toleranceSeconds: z.number().int().min(1).max(3600).default(defaultToleranceSeconds) }),
  /** `Authorization: Bearer <secret>`. */
  z.object({ scheme: z.literal('bearer') }),
  /** Slack's signing secret: X-Slack-Signature `v0=<hex>` over `v0:<timestamp>:<body>`. */
  z.object({ scheme: z.literal('slack'), toleranceSeconds: z.number().int().min(1).max(3600).default(300) }),
  /** `Authorization: Bearer <jwt>`; a secret is the HS256 key, or a PEM (SPKI) public key for RS256/ES256. */
  z.object({
    scheme: z.literal('jwt'),
    algorithms: z.array(z.enum(['HS256', 'RS256', 'ES256'])).min(1).default(['HS256']),
    issuer: z.string().optional(),
    audience: z.string().optional(),
  }),
]);

export type WebhookVerification = z.infer<typeof webhookVerificationSchema>;
