import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { stripeDefaultBaseUrl, stripeUrl } from './stripe-request';

export const stripeListCustomersConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(stripeDefaultBaseUrl),
  /** Customers per page; Stripe allows 1 to 100. */
  limit: z.number().int().min(1).max(100).default(10),
  /** A customer id: list the customers after it (Stripe's cursor). */
  startingAfter: z.string().min(1).optional(),
  /** Only customers with this email (case-sensitive in Stripe). */
  email: z.string().min(1).max(512).optional(),
  /** Pages to follow while Stripe says `has_more`; `hasMore` says whether more remain. */
  maxPages: z.number().int().min(1).max(100).default(10),
});

const listSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.looseObject({ id: z.string(), object: z.literal('customer') })),
  has_more: z.boolean(),
});

export interface StripeListCustomersOutput {
  customers: Array<z.infer<typeof listSchema>['data'][number]>;
  /** Stripe has customers after the last one read: pass `lastId` as `startingAfter` to continue. */
  hasMore: boolean;
  lastId: string | undefined;
}

/** Lists customers, newest first (GET /v1/customers), following Stripe's cursor. */
export const stripeListCustomersNode = defineNode({
  type: 'stripe.listCustomers',
  version: 1,
  title: 'List customers',
  description: 'Lists Stripe customers, optionally by email.',
  category: 'Stripe',
  icon: 'credit-card',
  configSchema: stripeListCustomersConfigSchema,
  sideEffects: false,
  sampleOutput: {
    customers: [{ id: 'cus_NffrFeUfNV2Hib', object: 'customer', email: 'jennyrosen@example.com', name: 'Jenny Rosen', created: 1680893993, metadata: {} }],
    hasMore: false,
    lastId: 'cus_NffrFeUfNV2Hib',
  },
  run: async (ctx): Promise<StripeListCustomersOutput> => {
    const { config } = ctx;
    const customers: StripeListCustomersOutput['customers'] = [];
    let startingAfter = config.startingAfter;
    let hasMore = true;
    for (let pages = 0; hasMore && pages < config.maxPages; pages += 1) {
      const { body } = await httpRequest<unknown>(ctx, {
        url: stripeUrl(config.baseUrl, '/v1/customers'),
        query: { limit: config.limit, starting_after: startingAfter, email: config.email },
      });
      const page = listSchema.safeParse(body);
      if (!page.success) throw new FatalError('Stripe answered with something that is not a list of customers', { details: { issues: page.error.issues.slice(0, 5) } });
      customers.push(...page.data.data);
      // An empty page with has_more would loop on the same cursor forever.
      hasMore = page.data.has_more && page.data.data.length > 0;
      startingAfter = page.data.data.at(-1)?.id ?? startingAfter;
    }
    return { customers, hasMore, lastId: customers.at(-1)?.id };
  },
});
