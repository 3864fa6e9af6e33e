import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import type { HttpResponse } from '../../sdk/http-request';
import { githubDefaultBaseUrl, githubRequest, githubUrl } from './github-request';
import { nextLink } from '../../sdk/link-header';

export const githubListReposConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(githubDefaultBaseUrl),
  /** Repositories per page; GitHub allows at most 100. */
  perPage: z.number().int().min(1).max(100).default(30),
  /** The first page to read (1-based). */
  page: z.number().int().min(1).default(1),
  sort: z.enum(['created', 'updated', 'pushed', 'full_name']).default('full_name'),
  visibility: z.enum(['all', 'public', 'private']).default('all'),
  /** Pages to follow through the `Link` header before stopping; `hasMore` says whether more remain. */
  maxPages: z.number().int().min(1).max(100).default(10),
});

const pageSchema = z.array(z.looseObject({ id: z.number(), full_name: z.string() }));

export interface GithubListReposOutput {
  repos: Array<z.infer<typeof pageSchema>[number]>;
  /** GitHub has pages after the last one read (`maxPages` stopped the listing). */
  hasMore: boolean;
}

/** Lists the repositories the token's user can access (GET /user/repos), page by page. */
export const githubListReposNode = defineNode({
  type: 'github.listRepos',
  version: 1,
  title: 'List repositories',
  description: 'Lists the repositories the authenticated user can access.',
  category: 'GitHub',
  icon: 'github',
  configSchema: githubListReposConfigSchema,
  sideEffects: false,
  sampleOutput: {
    repos: [{ id: 1296269, name: 'Hello-World', full_name: 'octocat/Hello-World', private: false, html_url: 'https://github.com/octocat/Hello-World' }],
    hasMore: false,
  },
  run: async (ctx): Promise<GithubListReposOutput> => {
    const { config } = ctx;
    const origin = new URL(config.baseUrl).origin;
    const repos: GithubListReposOutput['repos'] = [];
    let url: string | undefined = githubUrl(config.baseUrl, '/user/repos');
    let query: Record<string, string | number> | undefined = { per_page: config.perPage, page: config.page, sort: config.sort, visibility: config.visibility };
    for (let pages = 0; url !== undefined && pages < config.maxPages; pages += 1) {
      const response: HttpResponse<unknown> = await githubRequest<unknown>(ctx, { url, ...(query ? { query } : {}) });
      const page = pageSchema.safeParse(response.body);
      if (!page.success) throw new FatalError('GitHub answered with something that is not a list of repositories', { details: { issues: page.error.issues.slice(0, 5) } });
      repos.push(...page.data);
      url = nextLink(response.headers.get('link'));
      // The next link carries the whole query already.
      query = undefined;
      // The token goes wherever the link points: follow it only on GitHub's own origin.
      if (url !== undefined && new URL(url).origin !== origin) throw new FatalError(`GitHub's next page link points away from ${origin}`, { details: { link: url } });
    }
    return { repos, hasMore: url !== undefined };
  },
});
