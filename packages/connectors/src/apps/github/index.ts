import { defineConnector } from '@pipewright/core';
import { githubCreateIssueNode } from './create-issue';
import { githubListReposNode } from './list-repos';
import { githubOnEventTrigger } from './on-event';
import { testGithubConnection } from './test-connection';

export { githubCreateIssueNode, githubCreateIssueConfigSchema, type GithubIssue } from './create-issue';
export { githubListReposNode, githubListReposConfigSchema, type GithubListReposOutput } from './list-repos';
export { githubOnEventTrigger, githubOnEventConfigSchema, type GithubEventInput } from './on-event';

/** GitHub's REST API with a personal access token (classic or fine-grained) or an app token. */
export const githubConnector = defineConnector({
  id: 'github',
  name: 'GitHub',
  description: 'Issues and repositories on GitHub.',
  icon: 'github',
  auth: { type: 'bearer' },
  nodes: [githubCreateIssueNode, githubListReposNode],
  triggers: [githubOnEventTrigger],
  // GitHub's primary limit for a token: 5,000 requests an hour.
  rateLimit: { requests: 5_000, perMs: 3_600_000, burst: 100 },
  testConnection: ({ connection, signal }) => testGithubConnection({ connection, signal, idempotencyKey: 'test-connection' }),
});
