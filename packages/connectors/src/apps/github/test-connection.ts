import type { HttpContext } from '../../sdk/http-request';
import { githubDefaultBaseUrl, githubRequest, githubUrl } from './github-request';

/** Checks a token by asking GitHub who it belongs to (GET /user); throws when it does not work. */
export async function testGithubConnection(ctx: HttpContext, baseUrl = githubDefaultBaseUrl): Promise<void> {
  await githubRequest(ctx, { url: githubUrl(baseUrl, '/user') });
}
