import { defineConnector, type ConnectorDefinition } from '@pipewright/core';
import { googleSheetsAppendRowNode } from './append-row';
import { googleSheetsNewRowsTrigger } from './new-rows';
import { googleSheetsReadRangeNode } from './read-range';

export { googleSheetsAppendRowConfigSchema, googleSheetsAppendRowNode, type GoogleSheetsAppendRowOutput } from './append-row';
export { googleSheetsNewRowsConfigSchema, googleSheetsNewRowsTrigger, pollNewRows, type GoogleSheetsNewRow, type GoogleSheetsNewRowsConfig } from './new-rows';
export { googleSheetsReadRangeConfigSchema, googleSheetsReadRangeNode, type GoogleSheetsReadRangeOutput } from './read-range';

export interface GoogleSheetsConnectorOptions {
  /** Google's token endpoint unless set; tests point it at a local server. */
  tokenUrl?: string;
}

/**
 * The Google Sheets connector. OAuth2 with `access_type=offline` and `prompt=consent`,
 * because Google hands out a refresh token only then, and without one a connection
 * dies with its first access token an hour later.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...coreNodes, googleSheetsConnector()]);
 * ```
 */
export function googleSheetsConnector(options: GoogleSheetsConnectorOptions = {}): ConnectorDefinition {
  return defineConnector({
    id: 'googleSheets',
    name: 'Google Sheets',
    description: 'Append rows to Google Sheets spreadsheets, read their ranges and watch them for new rows.',
    icon: 'sheet',
    auth: {
      type: 'oauth2',
      grant: 'authorizationCode',
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: options.tokenUrl ?? 'https://oauth2.googleapis.com/token',
      scopes: ['https://www.googleapis.com/auth/spreadsheets'],
      extraAuthorizeParams: { access_type: 'offline', prompt: 'consent' },
    },
    nodes: [googleSheetsAppendRowNode, googleSheetsReadRangeNode],
    triggers: [googleSheetsNewRowsTrigger],
  });
}

/** The Google Sheets connector with Google's endpoints. */
export const googleSheets = googleSheetsConnector();
