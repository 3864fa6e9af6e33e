import type { Origin } from './demo-data';
import type { SeededExample } from './seed';

/** `http://host:port` for a host as `listen` takes it: an IPv6 address goes in brackets. */
export function baseUrlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A database URL fit to print: any password in it is masked. */
export function printableDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** One line per example: how it compiles and what this start did with it. */
export function seedLines(seeded: readonly SeededExample[]): string[] {
  return seeded.map((example) => {
    const what =
      example.published !== undefined
        ? example.published.isNew
          ? `published as version ${example.published.version}`
          : `version ${example.published.version} is live (unchanged)`
        : `kept as a draft${example.draft?.saved ? '' : ' (unchanged)'}; GET /api/workflows/${example.workflowId} shows its diagnostics`;
    return `  ${example.summary}: ${what}`;
  });
}

export interface BannerOptions {
  baseUrl: string;
  database: string;
  token: string;
  tokenOrigin: Origin;
  tokenFile?: string | undefined;
}

/**
 * What a user needs once the server listens. The first line is exactly
 * `Pipewright listening on <base URL>`: scripts and tests wait for it.
 */
export function startupBanner(options: BannerOptions): string[] {
  const { baseUrl, token } = options;
  const tokenNote = options.tokenOrigin === 'env' ? 'from PIPEWRIGHT_DEMO_TOKEN' : `${options.tokenOrigin === 'generated' ? 'new, ' : ''}kept in ${options.tokenFile}`;
  return [
    `Pipewright listening on ${baseUrl}`,
    '',
    `  API         ${baseUrl}/api`,
    `  OpenAPI     ${baseUrl}/openapi.json`,
    `  Health      ${baseUrl}/api/health`,
    `  Webhooks    ${baseUrl}/hooks/<path>`,
    `  Database    ${printableDatabaseUrl(options.database)}`,
    `  Token       ${token}  (tenant "demo", role admin; ${tokenNote})`,
    '',
    'Try it:',
    '',
    `  export TOKEN=${token}`,
    `  curl -H "Authorization: Bearer $TOKEN" ${baseUrl}/api/workflows`,
    '',
    'Ctrl+C stops the server.',
  ];
}
