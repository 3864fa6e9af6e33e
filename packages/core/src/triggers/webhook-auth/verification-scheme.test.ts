import { describe, expect, it } from 'vitest';
import { webhookVerificationSchema } from './verification-scheme';

describe('webhookVerificationSchema', () => {
  it('fills in defaults', () => {
    expect(webhookVerificationSchema.parse({ scheme: 'standardWebhooks' })).toEqual({ scheme: 'standardWebhooks', toleranceSeconds: 300 });
    expect(webhookVerificationSchema.parse({ scheme: 'stripe' })).toEqual({ scheme: 'stripe', toleranceSeconds: 300 });
    expect(webhookVerificationSchema.parse({ scheme: 'hmacSha256', header: 'x-signature' })).toEqual({ scheme: 'hmacSha256', header: 'x-signature', encoding: 'hex', prefix: '' });
    expect(webhookVerificationSchema.parse({ scheme: 'jwt' })).toEqual({ scheme: 'jwt', algorithms: ['HS256'] });
  });

  it('rejects unknown schemes and out-of-range options, listing each issue', () => {
    expect(webhookVerificationSchema.safeParse({ scheme: 'md5' }).success).toBe(false);
    expect(webhookVerificationSchema.safeParse({}).success).toBe(false);
    expect(webhookVerificationSchema.safeParse({ scheme: 'standardWebhooks', toleranceSeconds: 0 }).success).toBe(false);
    expect(webhookVerificationSchema.safeParse({ scheme: 'stripe', toleranceSeconds: 3601 }).success).toBe(false);
    expect(webhookVerificationSchema.safeParse({ scheme: 'hmacSha256', header: '' }).success).toBe(false);
    expect(webhookVerificationSchema.safeParse({ scheme: 'jwt', algorithms: [] }).success).toBe(false);
    const none = webhookVerificationSchema.safeParse({ scheme: 'jwt', algorithms: ['none'] });
    expect(none.success).toBe(false);
    expect(none.error?.issues.map((issue) => issue.path)).toEqual([['algorithms', 0]]);
  });
});
