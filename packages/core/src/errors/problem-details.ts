import { formatJsonPath, type ValidationIssue } from '../model/validation-issue';

/**
 * An RFC 9457 problem details answer, as every HTTP surface of the engine (the API and
 * the webhook ingress) gives its errors: `type` is `urn:pipewright:problem:<code>`, and
 * `code` repeats the stable code for clients that do not parse URNs.
 */
export function problemDetails(
  status: number,
  code: string,
  title: string,
  detail: string | undefined,
  extra: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {},
): Response {
  const body: Record<string, unknown> = { type: `urn:pipewright:problem:${code}`, title, status, code, ...extra };
  if (detail !== undefined) body['detail'] = detail;
  return new Response(JSON.stringify(body), { status, headers: { ...headers, 'content-type': 'application/problem+json' } });
}

/** Validation issues as a problem's `errors` member: a JSON path (`$.order.lines[2]`), the message and its code. */
export function problemErrors(issues: readonly ValidationIssue[], prefix: ReadonlyArray<string | number> = []): Array<{ path: string; message: string; code: string }> {
  return issues.map((issue) => ({ path: formatJsonPath([...prefix, ...issue.path]), message: issue.message, code: issue.code }));
}
