import { defineConnector } from '@pipewright/core';
import { stripeCreateCustomerNode } from './create-customer';
import { stripeListCustomersNode } from './list-customers';
import { testStripeConnection } from './test-connection';

export { stripeCreateCustomerNode, stripeCreateCustomerConfigSchema } from './create-customer';
export { stripeListCustomersNode, stripeListCustomersConfigSchema, type StripeListCustomersOutput } from './list-customers';

/** Stripe's API with a secret or restricted key (`sk_…`/`rk_…`), sent as a bearer token. */
export const stripeConnector = defineConnector({
  id: 'stripe',
  name: 'Stripe',
  description: 'Customers in Stripe.',
  icon: 'credit-card',
  auth: { type: 'bearer' },
  nodes: [stripeCreateCustomerNode, stripeListCustomersNode],
  triggers: [],
  // Stripe's live-mode limit is 100 operations a second (test mode: 25); stay under the lower one.
  rateLimit: { requests: 25, perMs: 1_000, burst: 25 },
  testConnection: ({ connection, signal }) => testStripeConnection({ connection, signal, idempotencyKey: 'test-connection' }),
});
