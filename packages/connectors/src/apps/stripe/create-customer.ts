import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { stripeDefaultBaseUrl, stripeForm, stripeUrl } from './stripe-request';

export const stripeCreateCustomerConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(stripeDefaultBaseUrl),
  email: z.string().min(1).max(512).optional(),
  name: z.string().min(1).max(256).optional(),
  description: z.string().max(350).optional(),
  /** Stripe's limits: 50 keys of up to 40 characters, values of up to 500. */
  metadata: z
    .record(z.string().min(1).max(40).regex(/^[^[\]]+$/, 'Metadata keys cannot contain square brackets'), z.string().max(500))
    .refine((metadata) => Object.keys(metadata).length <= 50, 'Stripe allows at most 50 metadata keys')
    .optional(),
});

const customerSchema = z.looseObject({ id: z.string(), object: z.literal('customer') });

/**
 * Creates a customer (POST /v1/customers). Stripe honours `Idempotency-Key`: a retried
 * attempt sends the step's same key, so a timeout after Stripe created the customer
 * returns that customer instead of creating a second one.
 */
export const stripeCreateCustomerNode = defineNode({
  type: 'stripe.createCustomer',
  version: 1,
  title: 'Create customer',
  description: 'Creates a Stripe customer.',
  category: 'Stripe',
  icon: 'credit-card',
  configSchema: stripeCreateCustomerConfigSchema,
  sideEffects: true,
  sampleOutput: { id: 'cus_NffrFeUfNV2Hib', object: 'customer', email: 'jennyrosen@example.com', name: 'Jenny Rosen', created: 1680893993, livemode: false, metadata: {} },
  run: async (ctx) => {
    const { config } = ctx;
    const { body } = await httpRequest<unknown>(ctx, {
      method: 'POST',
      url: stripeUrl(config.baseUrl, '/v1/customers'),
      form: stripeForm({ email: config.email, name: config.name, description: config.description, metadata: config.metadata }),
    });
    const customer = customerSchema.safeParse(body);
    if (!customer.success) throw new FatalError('Stripe answered with something that is not a customer', { details: { issues: customer.error.issues.slice(0, 5) } });
    return customer.data;
  },
});
