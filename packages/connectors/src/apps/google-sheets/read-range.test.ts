import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { googleSheets } from './index';
import { rowsAsObjects } from './read-range';

const accessToken = 'ya29.test-token-read-0001';
const credentials = () => ({ type: 'oauth2' as const, clientId: 'c', accessToken, refreshToken: '1//r', expiresAt: Date.now() + 3_600_000 });

const valueRange = {
  range: 'Sheet1!A1:C3',
  majorDimension: 'ROWS',
  values: [
    ['Name', 'Email', 'Age'],
    ['Ada', 'ada@example.com', '36'],
    ['Grace', 'grace@example.com'],
  ],
};

describe('googleSheets.readRange', () => {
  let api: MockApi;
  beforeEach(async () => {
    api = await startMockApi(() => ({ json: valueRange }));
  });
  afterEach(() => api.close());

  const config = () => ({ baseUrl: api.url, spreadsheetId: 'sheet-123', range: 'Sheet1!A1:C3' });

  it('gets the values of the encoded range with the bearer token and the render option', async () => {
    const outcome = await runAction(googleSheets, 'googleSheets.readRange', { ...config(), valueRenderOption: 'UNFORMATTED_VALUE' }, { credentials: credentials() });
    expect(outcome.error).toBeUndefined();
    expect(outcome.output).toEqual(valueRange);
    const [request] = api.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v4/spreadsheets/sheet-123/values/Sheet1!A1%3AC3');
    expect(request?.query).toEqual({ valueRenderOption: 'UNFORMATTED_VALUE', majorDimension: 'ROWS' });
    expect(request?.headers['authorization']).toBe(`Bearer ${accessToken}`);
    expect(request?.headers['idempotency-key']).toBeUndefined();
    expect(JSON.stringify(outcome.view)).not.toContain(accessToken);
  });

  it('turns rows into objects with headerRow, null for cells Google trimmed', async () => {
    const outcome = await runAction(googleSheets, 'googleSheets.readRange', { ...config(), headerRow: true }, { credentials: credentials() });
    expect(outcome.output).toMatchObject({
      headers: ['Name', 'Email', 'Age'],
      rows: [
        { Name: 'Ada', Email: 'ada@example.com', Age: '36' },
        { Name: 'Grace', Email: 'grace@example.com', Age: null },
      ],
    });
    expect(api.requests[0]?.query['valueRenderOption']).toBe('FORMATTED_VALUE');
  });

  it('returns no values for an empty range, where Google leaves `values` out', async () => {
    api.reply = () => ({ json: { range: 'Sheet1!A1:C3', majorDimension: 'ROWS' } });
    const outcome = await runAction(googleSheets, 'googleSheets.readRange', { ...config(), headerRow: true }, { credentials: credentials() });
    expect(outcome.output).toEqual({ range: 'Sheet1!A1:C3', majorDimension: 'ROWS', values: [], headers: [], rows: [] });
  });

  it('names blank header cells by position', () => {
    expect(rowsAsObjects([['id', ''], [1, 'x']])).toEqual({ headers: ['id', 'column2'], rows: [{ id: 1, column2: 'x' }] });
  });

  it('fails on 404 NOT_FOUND without retrying', async () => {
    api.reply = () => ({ status: 404, json: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } });
    const outcome = await runAction(googleSheets, 'googleSheets.readRange', config(), { credentials: credentials(), retry: { maxAttempts: 2 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatchObject({ code: 'fatal', retryable: false, details: { status: 404 } });
    expect(outcome.error?.message).toContain('Requested entity was not found.');
  });

  it('retries a 429 with Retry-After and then succeeds', async () => {
    let calls = 0;
    api.reply = () => {
      calls += 1;
      return calls === 1 ? { status: 429, headers: { 'retry-after': '0' }, json: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } } } : { json: valueRange };
    };
    const outcome = await runAction(googleSheets, 'googleSheets.readRange', config(), { credentials: credentials(), retry: { maxAttempts: 2 } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.attempts).toBe(2);
  });

  it('fails clearly when the API answers HTML', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<!doctype html><p>Error</p>' });
    const outcome = await runAction(googleSheets, 'googleSheets.readRange', config(), { credentials: credentials() });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toContain('HTML where JSON was expected');
  });

  it('rejects a missing range and a headerRow that is not a boolean, naming the fields', async () => {
    await expect(runAction(googleSheets, 'googleSheets.readRange', { baseUrl: api.url, spreadsheetId: 's' }, { credentials: credentials() })).rejects.toThrow(/range/);
    await expect(runAction(googleSheets, 'googleSheets.readRange', { ...config(), headerRow: 'yes' }, { credentials: credentials() })).rejects.toThrow(/headerRow/);
  });
});
