import { coreNodes, createEngine, createLocalKeyRing, createRegistry, generateKeyEncryptionKey, SecretVault, type Engine } from '@pipewright/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi, type SeenRequest } from '../../test-support/mock-api';
import { googleSheets } from './index';
import { googleSheetsNewRowsConfigSchema, pollNewRows } from './new-rows';

const accessToken = 'ya29.t-new-rows-0001';
const ctx = { tenantId: 'acme' };

type Cell = string | number | boolean;

/** A sheet as Google serves it: `values.get` on `'Sheet1'!A:ZZ`, trailing empty rows trimmed, 401 without the token. */
function sheetApi(rows: Cell[][]): (request: SeenRequest) => { status?: number; json: unknown } {
  return (request) => {
    if (request.headers['authorization'] !== `Bearer ${accessToken}`) {
      return { status: 401, json: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } };
    }
    if (request.method !== 'GET' || request.path !== "/v4/spreadsheets/sheet-123/values/'Sheet1'!A%3AZZ") {
      return { status: 404, json: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } };
    }
    const range = rows.length === 0 ? "'Sheet1'!A1:ZZ1000" : `'Sheet1'!A1:ZZ${rows.length}`;
    return { json: rows.length === 0 ? { range, majorDimension: 'ROWS' } : { range, majorDimension: 'ROWS', values: rows.map((row) => [...row]) } };
  };
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('googleSheets.newRows through the engine', () => {
  let api: MockApi;
  let engine: Engine;
  const rows: Cell[][] = [
    ['Name', 'Email', 'Age'],
    ['Ada', 'ada@example.com', '36'],
    ['Grace', 'grace@example.com', '45'],
  ];

  beforeEach(async () => {
    api = await startMockApi(sheetApi(rows));
    engine = createEngine({ registry: createRegistry([...coreNodes, googleSheets]), vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })) });
  });
  afterEach(async () => {
    await engine.stop();
    await api.close();
  });

  async function runInputs(): Promise<unknown[]> {
    const page = await engine.runs.list(ctx, { workflowId: 'sheet' });
    const views = await Promise.all(page.items.map((run) => engine.runs.get(ctx, run.id)));
    return views.map((view) => view.input).sort((a, b) => (a as { rowNumber: number }).rowNumber - (b as { rowNumber: number }).rowNumber);
  }

  it('takes a baseline, then starts one run per added row, and nothing when the sheet is unchanged', { timeout: 20_000 }, async () => {
    const connection = await engine.connections.create(ctx, {
      connectorId: 'googleSheets',
      name: 'sheets',
      credentials: { type: 'oauth2', clientId: 'c', accessToken, refreshToken: 'r', expiresAt: Date.now() + 3_600_000 },
    });
    const { diagnostics } = await engine.workflows.save(ctx, {
      id: 'sheet',
      name: 'sheet',
      nodes: [{ id: 'rows', type: 'googleSheets.newRows', config: { connection: connection.id, baseUrl: api.url, spreadsheetId: 'sheet-123', sheet: 'Sheet1', pollIntervalMs: 20 } }],
      edges: [],
    });
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    await engine.workflows.publish(ctx, 'sheet');
    await engine.triggers.enable(ctx, 'sheet');
    engine.start();

    // The baseline poll and a few more: the three rows already there start nothing.
    await waitFor('three polls', () => api.requests.length >= 3);
    expect(await runInputs()).toEqual([]);
    const [request] = api.requests;
    expect(request?.method).toBe('GET');
    expect(request?.query).toEqual({ majorDimension: 'ROWS' });
    expect(request?.headers['authorization']).toBe(`Bearer ${accessToken}`);

    rows.push(['Linus', 'linus@example.com', '28'], ['Margaret']);
    await waitFor('two runs', async () => (await runInputs()).length >= 2);
    const seen = api.requests.length;
    await waitFor('three more polls', () => api.requests.length >= seen + 3);
    const inputs = await runInputs();
    expect(inputs).toEqual([
      { Name: 'Linus', Email: 'linus@example.com', Age: '28', rowNumber: 4 },
      // Google trims a row's empty trailing cells; the keys stay, as null.
      { Name: 'Margaret', Email: null, Age: null, rowNumber: 5 },
    ]);
    const page = await engine.runs.list(ctx, { workflowId: 'sheet' });
    const views = await Promise.all(page.items.map((run) => engine.runs.get(ctx, run.id)));
    expect(JSON.stringify(views)).not.toContain(accessToken);
  });

  it('rejects a config without a spreadsheet id or with a string for headerRow, naming the field', async () => {
    const { diagnostics } = await engine.workflows.save(ctx, {
      id: 'bad',
      name: 'bad',
      nodes: [{ id: 'rows', type: 'googleSheets.newRows', config: { connection: 'conn', sheet: 'Sheet1', headerRow: 'yes' } }],
      edges: [],
    });
    const paths = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').map((diagnostic) => JSON.stringify(diagnostic.path));
    expect(paths.some((path) => path.includes('spreadsheetId'))).toBe(true);
    expect(paths.some((path) => path.includes('headerRow'))).toBe(true);
  });
});

describe('pollNewRows', () => {
  let api: MockApi;
  let rows: Cell[][];
  beforeEach(async () => {
    rows = [['Name'], ['Ada'], ['Grace']];
    // No connection here: the poll function alone, so the mock skips the auth check.
    api = await startMockApi((request) => sheetApi(rows)({ ...request, headers: { ...request.headers, authorization: `Bearer ${accessToken}` } }));
  });
  afterEach(() => api.close());

  const poll = (cursor: unknown, config: Record<string, unknown> = {}) =>
    pollNewRows({
      config: googleSheetsNewRowsConfigSchema.parse({ connection: 'c', baseUrl: api.url, spreadsheetId: 'sheet-123', sheet: 'Sheet1', ...config }),
      cursor,
      signal: AbortSignal.timeout(5_000),
      now: Date.now(),
    });

  it('emits rows past the cursor with ids of spreadsheet, sheet and row number', async () => {
    const baseline = await poll(undefined);
    expect(baseline).toEqual({ items: [], cursor: { seenThroughRow: 3, resets: 0 } });
    rows.push(['Linus']);
    expect(await poll(baseline.cursor)).toEqual({ items: [{ id: 'sheet-123:Sheet1:4', data: { Name: 'Linus', rowNumber: 4 } }], cursor: { seenThroughRow: 4, resets: 0 } });
  });

  it('resets the cursor without emitting when rows were deleted, and re-filled rows get new ids', async () => {
    const deleted = await poll({ seenThroughRow: 5, resets: 0 });
    expect(deleted).toEqual({ items: [], cursor: { seenThroughRow: 3, resets: 1 } });
    rows.push(['Linus']);
    expect((await poll(deleted.cursor)).items).toEqual([{ id: 'sheet-123:Sheet1:4:r1', data: { Name: 'Linus', rowNumber: 4 } }]);
  });

  it('keys rows by column letter without a header row, and skips blank rows', async () => {
    rows.push([], ['Linus', 'x', '', 7]);
    const result = await poll({ seenThroughRow: 1, resets: 0 }, { headerRow: false });
    expect(result.items.map((item) => item.data)).toEqual([
      { A: 'Ada', rowNumber: 2 },
      { A: 'Grace', rowNumber: 3 },
      { A: 'Linus', B: 'x', C: '', D: 7, rowNumber: 5 },
    ]);
    expect(result.cursor).toEqual({ seenThroughRow: 5, resets: 0 });
  });

  it('never emits the header row when it is added to a sheet that was empty at the baseline', async () => {
    rows = [];
    const baseline = await poll(undefined);
    expect(baseline.cursor).toEqual({ seenThroughRow: 0, resets: 0 });
    rows = [['Name'], ['Ada']];
    expect((await poll(baseline.cursor)).items).toEqual([{ id: 'sheet-123:Sheet1:2', data: { Name: 'Ada', rowNumber: 2 } }]);
  });

  it('quotes sheet names in the range and fails on HTML where JSON was promised', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html>Sign in</html>' });
    await expect(poll(undefined, { sheet: "Q1 'plan'" })).rejects.toMatchObject({ code: 'fatal', message: expect.stringContaining('HTML') });
    expect(api.requests[0]?.path).toBe(`/v4/spreadsheets/sheet-123/values/${encodeURIComponent("'Q1 ''plan'''!A:ZZ")}`);
  });

  it('fails a poll on an error answer, so the cursor stays where it was', async () => {
    api.reply = () => ({ status: 403, json: { error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' } } });
    await expect(poll({ seenThroughRow: 3, resets: 0 })).rejects.toMatchObject({ code: 'fatal', details: { status: 403 } });
  });
});
