import { httpRequest, type HttpContext } from '../../sdk/http-request';
import { notionDefaultBaseUrl, notionHeaders, notionUrl } from './notion-request';

/** Checks an integration token by reading its bot user (GET /v1/users/me); throws when it does not work. */
export async function testNotionConnection(ctx: HttpContext, baseUrl = notionDefaultBaseUrl): Promise<void> {
  await httpRequest(ctx, { url: notionUrl(baseUrl, '/v1/users/me'), headers: notionHeaders });
}
