import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi, type SeenRequest } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { googleSheets, googleSheetsConnector } from './index';

const accessToken = 'ya29.test-token-append-0001';
const credentials = () => ({ type: 'oauth2' as const, clientId: 'c', accessToken, refreshToken: '1//r', expiresAt: Date.now() + 3_600_000 });

const appendPath = '/v4/spreadsheets/sheet-123/values/Sheet1!A%3AC:append';

function appended(request: SeenRequest) {
  if (request.method !== 'POST' || request.path !== appendPath) return { status: 404, json: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } };
  return {
    json: {
      spreadsheetId: 'sheet-123',
      tableRange: 'Sheet1!A1:C3',
      updates: { spreadsheetId: 'sheet-123', updatedRange: 'Sheet1!A4:C4', updatedRows: 1, updatedColumns: 3, updatedCells: 3 },
    },
  };
}

describe('googleSheets.appendRow', () => {
  let api: MockApi;
  beforeEach(async () => {
    api = await startMockApi(appended);
  });
  afterEach(() => api.close());

  const config = () => ({ baseUrl: api.url, spreadsheetId: 'sheet-123', range: 'Sheet1!A:C', values: ['Ada', 'ada@example.com', 36] });

  it('posts the row to values:append with the encoded range and the bearer token', async () => {
    const outcome = await runAction(googleSheets, 'googleSheets.appendRow', config(), { credentials: credentials() });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({
      spreadsheetId: 'sheet-123',
      tableRange: 'Sheet1!A1:C3',
      updates: { spreadsheetId: 'sheet-123', updatedRange: 'Sheet1!A4:C4', updatedRows: 1, updatedColumns: 3, updatedCells: 3 },
    });
    const [request] = api.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(appendPath);
    expect(decodeURIComponent(request?.path ?? '')).toBe('/v4/spreadsheets/sheet-123/values/Sheet1!A:C:append');
    expect(request?.query).toEqual({ valueInputOption: 'USER_ENTERED', insertDataOption: 'INSERT_ROWS' });
    expect(request?.headers['authorization']).toBe(`Bearer ${accessToken}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBeUndefined();
    expect(request?.body).toEqual({ values: [['Ada', 'ada@example.com', 36]] });
    expect(JSON.stringify(outcome.view)).not.toContain(accessToken);
  });

  it('encodes a quoted sheet name with spaces as one path segment', async () => {
    api.reply = () => ({ json: { spreadsheetId: 'sheet-123', updates: { updatedRange: "'My Sheet'!A1:A1", updatedRows: 1, updatedColumns: 1, updatedCells: 1 } } });
    const outcome = await runAction(googleSheets, 'googleSheets.appendRow', { ...config(), range: "'My Sheet/2024'!A1", values: ['x'], valueInputOption: 'RAW' }, { credentials: credentials() });
    expect(outcome.status).toBe('succeeded');
    expect(api.requests[0]?.path).toBe("/v4/spreadsheets/sheet-123/values/'My%20Sheet%2F2024'!A1:append");
    expect(api.requests[0]?.query['valueInputOption']).toBe('RAW');
  });

  it('refreshes the token through the token endpoint on a 401 and retries with the new token', async () => {
    const connector = googleSheetsConnector({ tokenUrl: `${api.url}/token` });
    const newToken = 'ya29.test-token-refreshed-0002';
    api.reply = (request) => {
      if (request.path === '/token') return { json: { access_token: newToken, expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/spreadsheets' } };
      if (request.headers['authorization'] === `Bearer ${accessToken}`) {
        return { status: 401, json: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } };
      }
      return appended(request);
    };
    const outcome = await runAction(connector, 'googleSheets.appendRow', config(), { credentials: credentials() });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('succeeded');
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([`POST ${appendPath}`, 'POST /token', `POST ${appendPath}`]);
    const tokenRequest = api.requests[1];
    expect(tokenRequest?.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: '1//r', client_id: 'c' });
    expect(api.requests[2]?.headers['authorization']).toBe(`Bearer ${newToken}`);
    expect(api.requests[2]?.body).toEqual({ values: [['Ada', 'ada@example.com', 36]] });
    const view = JSON.stringify(outcome.view);
    expect(view).not.toContain(newToken);
    expect(view).not.toContain('1//r');
  });

  it.each([
    [400, 'INVALID_ARGUMENT', 'Unable to parse range: Nope!A:C'],
    [403, 'PERMISSION_DENIED', 'The caller does not have permission'],
    [404, 'NOT_FOUND', 'Requested entity was not found.'],
  ])('fails without retrying on %i %s, with Google\'s message', async (status, code, message) => {
    api.reply = () => ({ status, json: { error: { code: status, message, status: code } } });
    const outcome = await runAction(googleSheets, 'googleSheets.appendRow', config(), { credentials: credentials(), retry: { maxAttempts: 3 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false, details: { status } });
    expect(outcome.error?.message).toContain(message);
  });

  it('retries a 429 RESOURCE_EXHAUSTED after Retry-After and then succeeds', async () => {
    let calls = 0;
    api.reply = (request) => {
      calls += 1;
      if (calls === 1) return { status: 429, headers: { 'retry-after': '0' }, json: { error: { code: 429, message: "Quota exceeded for quota metric 'Write requests'", status: 'RESOURCE_EXHAUSTED' } } };
      return appended(request);
    };
    const outcome = await runAction(googleSheets, 'googleSheets.appendRow', config(), { credentials: credentials(), retry: { maxAttempts: 2 } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.attempts).toBe(2);
    expect(api.requests).toHaveLength(2);
  });

  it('fails clearly when the API answers HTML', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>Sign in</body></html>' });
    const outcome = await runAction(googleSheets, 'googleSheets.appendRow', config(), { credentials: credentials() });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toContain('HTML where JSON was expected');
  });

  it('rejects a config without a spreadsheet id or with values that are not a list, naming the fields', async () => {
    const { spreadsheetId: _, ...withoutId } = config();
    await expect(runAction(googleSheets, 'googleSheets.appendRow', withoutId, { credentials: credentials() })).rejects.toThrow(/spreadsheetId/);
    await expect(runAction(googleSheets, 'googleSheets.appendRow', { ...config(), values: 'Ada' }, { credentials: credentials() })).rejects.toThrow(/values/);
  });
});
