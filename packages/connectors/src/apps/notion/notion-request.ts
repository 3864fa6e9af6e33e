export const notionDefaultBaseUrl = 'https://api.notion.com';

/**
 * Notion requires a pinned API version on every request; 2022-06-28 is the version whose
 * page and error shapes this connector reads. https://developers.notion.com/reference/versioning
 */
export const notionHeaders: Readonly<Record<string, string>> = { 'notion-version': '2022-06-28' };

/** `baseUrl` + `path`, whether or not the base URL ends with a slash. */
export function notionUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
