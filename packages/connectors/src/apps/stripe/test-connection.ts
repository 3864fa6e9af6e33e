import { httpRequest, type HttpContext } from '../../sdk/http-request';
import { stripeDefaultBaseUrl, stripeUrl } from './stripe-request';

/** Checks a secret key by reading the account it belongs to (GET /v1/account); throws when it does not work. */
export async function testStripeConnection(ctx: HttpContext, baseUrl = stripeDefaultBaseUrl): Promise<void> {
  await httpRequest(ctx, { url: stripeUrl(baseUrl, '/v1/account') });
}
