import { isRecord } from './json-schema';

/**
 * Why a response breaks the API's error contract, or undefined when it keeps it: no 5xx
 * for anything a client can send, and every 4xx an RFC 9457 problem (`application/problem+json`)
 * with string `type`, `title` and `code`, and a numeric `status` equal to the HTTP status.
 */
export function responseViolation(status: number, contentType: string | null, bodyText: string): string | undefined {
  if (status >= 500) return `server error ${status}`;
  if (status < 400) return undefined;
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  if (essence !== 'application/problem+json') return `a ${status} must be application/problem+json, got ${contentType ?? 'no content-type'}`;
  let problem: unknown;
  try {
    problem = JSON.parse(bodyText);
  } catch {
    return `the ${status} body is not JSON`;
  }
  if (!isRecord(problem)) return `the ${status} body is not a JSON object`;
  const missing = (['type', 'title', 'code'] as const).filter((field) => typeof problem[field] !== 'string');
  if (missing.length > 0) return `the problem lacks string ${missing.join(', ')}`;
  if (problem['status'] !== status) return `the problem's status ${JSON.stringify(problem['status'])} is not the HTTP status ${status}`;
  return undefined;
}
