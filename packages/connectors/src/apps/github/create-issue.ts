import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import { githubDefaultBaseUrl, githubRequest, githubUrl } from './github-request';

/** GitHub's owner and repository names: letters, digits, `-`, `_` and `.`. */
const nameSchema = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'Use the name as GitHub spells it, without slashes');

export const githubCreateIssueConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(githubDefaultBaseUrl),
  owner: nameSchema,
  repo: nameSchema,
  title: z.string().min(1).max(256),
  /** Markdown. */
  body: z.string().max(65_536).optional(),
  /** Label names; labels that do not exist yet are created (with push access). */
  labels: z.array(z.string().min(1)).max(100).optional(),
  /** Logins; GitHub silently drops those who cannot be assigned. */
  assignees: z.array(z.string().min(1)).max(10).optional(),
});

// What the step reads of the issue GitHub returns; the rest is passed on as is.
const issueSchema = z.looseObject({
  id: z.number(),
  number: z.number(),
  html_url: z.string(),
  state: z.string(),
  title: z.string(),
});

export type GithubIssue = z.infer<typeof issueSchema>;

/** Opens an issue in a repository (POST /repos/{owner}/{repo}/issues). */
export const githubCreateIssueNode = defineNode({
  type: 'github.createIssue',
  version: 1,
  title: 'Create issue',
  description: 'Opens an issue in a GitHub repository.',
  category: 'GitHub',
  icon: 'github',
  configSchema: githubCreateIssueConfigSchema,
  sideEffects: true,
  sampleOutput: {
    id: 1,
    number: 1347,
    html_url: 'https://github.com/octocat/Hello-World/issues/1347',
    state: 'open',
    title: 'Found a bug',
    body: "I'm having a problem with this.",
    labels: [{ id: 208045946, name: 'bug', color: 'f29513' }],
    assignees: [{ login: 'octocat', id: 1 }],
    created_at: '2011-04-22T13:33:48Z',
  },
  run: async (ctx) => {
    const { config } = ctx;
    const { body } = await githubRequest<unknown>(ctx, {
      method: 'POST',
      url: githubUrl(config.baseUrl, `/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}/issues`),
      json: { title: config.title, body: config.body, labels: config.labels, assignees: config.assignees },
    });
    const issue = issueSchema.safeParse(body);
    if (!issue.success) throw new FatalError('GitHub answered with something that is not an issue', { details: { issues: issue.error.issues.slice(0, 5) } });
    return issue.data;
  },
});
