import { describe } from 'vitest';
import { stripeConnector } from '../apps/stripe/index';
import { stripeCases } from './stripe-cases';

// The code connector and the declarative document must behave the same for a workflow.
describe('code Stripe (parity with the declarative one)', () => {
  stripeCases(() => stripeConnector);
});
