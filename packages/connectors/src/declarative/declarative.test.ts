import { describe } from 'vitest';
import { declarativeToConnector } from './declarative-to-connector';
import stripeDocument from './examples/stripe.json';
import { stripeCases } from './stripe-cases';

describe('declarative Stripe', () => {
  stripeCases(() => declarativeToConnector(stripeDocument));
});
