import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../../test-support/mock-api';
import { runAction } from '../../test-support/run-action';
import { notionConnector } from './index';

const token = 'secret_MvG0eW1cZ2Lq4pT7nNotionIntegrationToken42';
const credentials = { type: 'bearer' as const, token };
const databaseId = 'd9824bdc84454327be8b5b47500af6ce';

const properties = {
  Name: { title: [{ text: { content: 'Tuscan kale' } }] },
  Price: { number: 2.5 },
};
const children = [{ object: 'block', type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: 'Lacinato kale is a variety of kale.' } }] } }];

// The page object as Notion returns it (API version 2022-06-28).
const page = {
  object: 'page',
  id: '59833787-2cf9-4fdf-8782-e53db20768a5',
  created_time: '2022-03-01T19:05:00.000Z',
  last_edited_time: '2022-07-06T19:16:00.000Z',
  created_by: { object: 'user', id: 'ee5f0f84-409a-440f-983a-a5315961c6e4' },
  last_edited_by: { object: 'user', id: 'ee5f0f84-409a-440f-983a-a5315961c6e4' },
  cover: null,
  icon: null,
  parent: { type: 'database_id', database_id: 'd9824bdc-8445-4327-be8b-5b47500af6ce' },
  archived: false,
  properties: {
    Price: { id: 'BJXS', type: 'number', number: 2.5 },
    Name: { id: 'title', type: 'title', title: [{ type: 'text', text: { content: 'Tuscan kale', link: null }, plain_text: 'Tuscan kale', href: null }] },
  },
  url: 'https://www.notion.so/Tuscan-kale-598337872cf94fdf8782e53db20768a5',
  public_url: null,
};

function notionError(status: number, code: string, message: string) {
  return { status, json: { object: 'error', status, code, message, request_id: 'a1b2c3d4-0000-4000-8000-000000000000' } };
}

let api: MockApi;
beforeAll(async () => {
  api = await startMockApi();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.requests.length = 0;
});

function createPage(config: Record<string, unknown> = {}, retry?: { maxAttempts: number }) {
  return runAction(notionConnector, 'notion.createPage', { baseUrl: api.url, parent: { database_id: databaseId }, properties, ...config }, { credentials, ...(retry ? { retry } : {}) });
}

describe('notion.createPage', () => {
  it('posts the page with the token, the Notion-Version header and no Idempotency-Key, and returns the page', async () => {
    api.reply = () => ({ json: page });
    const outcome = await createPage({ children });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual(page);
    const [seen] = api.requests;
    expect(seen).toMatchObject({ method: 'POST', path: '/v1/pages', body: { parent: { database_id: databaseId }, properties, children } });
    expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen?.headers['notion-version']).toBe('2022-06-28');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['idempotency-key']).toBeUndefined();
    expect(JSON.stringify(outcome.view)).not.toContain(token);
  });

  it('creates a sub-page under a page, leaving children out when there are none', async () => {
    api.reply = () => ({ json: { ...page, parent: { type: 'page_id', page_id: '59833787-2cf9-4fdf-8782-e53db20768a5' } } });
    const outcome = await createPage({ parent: { page_id: '59833787-2cf9-4fdf-8782-e53db20768a5' }, properties: { title: { title: [{ text: { content: 'Notes' } }] } } });
    expect(outcome.status).toBe('succeeded');
    expect(api.requests[0]?.body).toEqual({ parent: { page_id: '59833787-2cf9-4fdf-8782-e53db20768a5' }, properties: { title: { title: [{ text: { content: 'Notes' } }] } } });
  });

  it('fails on Notion’s errors with its message: 400 validation_error, 401 unauthorized, 404 object_not_found', async () => {
    api.reply = () => notionError(400, 'validation_error', 'body failed validation: body.properties.Price.number should be a number or `null`, instead was `"cheap"`.');
    const invalid = await createPage({ properties: { Price: { number: 'cheap' } } });
    expect(invalid).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'fatal', details: { status: 400 } } });
    expect(invalid.error?.message).toContain('body failed validation');
    expect(String(invalid.error?.details?.['body'])).toContain('"code":"validation_error"');

    api.reply = () => notionError(401, 'unauthorized', 'API token is invalid.');
    const unauthorized = await createPage();
    expect(unauthorized.error).toMatchObject({ code: 'fatal', details: { status: 401 } });
    expect(unauthorized.error?.message).toContain('API token is invalid.');
    expect(JSON.stringify(unauthorized.view)).not.toContain(token);

    api.reply = () =>
      notionError(404, 'object_not_found', `Could not find database with ID: d9824bdc-8445-4327-be8b-5b47500af6ce. Make sure the relevant pages and databases are shared with your integration.`);
    const missing = await createPage();
    expect(missing.error).toMatchObject({ code: 'fatal', details: { status: 404 } });
    expect(missing.error?.message).toContain('Could not find database');
  });

  it('waits for Retry-After on a 429 rate_limited and then succeeds', async () => {
    let calls = 0;
    api.reply = () => {
      if (++calls > 1) return { json: page };
      const limited = notionError(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.');
      return { ...limited, headers: { 'retry-after': '1' } };
    };
    const outcome = await createPage({}, { maxAttempts: 2 });
    expect(outcome).toMatchObject({ status: 'succeeded', attempts: 2, output: page });
    expect(api.requests).toHaveLength(2);
  });

  it('classifies a 429 as a wait of Retry-After seconds', async () => {
    api.reply = () => ({ ...notionError(429, 'rate_limited', 'You have been rate limited.'), headers: { 'retry-after': '7' } });
    expect((await createPage()).error).toMatchObject({ code: 'retry_after', retryable: true, details: { status: 429, retryAfterMs: 7_000 } });
  });

  it('fails clearly on HTML where Notion promised JSON, and on JSON that is not a page', async () => {
    api.reply = () => ({ headers: { 'content-type': 'text/html' }, text: '<html><body>Notion is down</body></html>' });
    expect((await createPage()).error?.message).toContain('answered HTML where JSON was expected');
    api.reply = () => ({ json: { object: 'list', results: [] } });
    expect((await createPage()).error?.message).toContain('not a page');
  });

  it('rejects a missing parent, a parent of both kinds, a bad id and a wrong type, naming the field', async () => {
    await expect(runAction(notionConnector, 'notion.createPage', { baseUrl: api.url, properties }, { credentials })).rejects.toThrow(/"parent"/);
    await expect(createPage({ parent: { database_id: databaseId, page_id: databaseId } })).rejects.toThrow(/"parent"/);
    await expect(createPage({ parent: { database_id: 'not-an-id' } })).rejects.toThrow(/"parent"/);
    await expect(createPage({ properties: 'Name' })).rejects.toThrow(/"properties"/);
    await expect(createPage({ children: Array.from({ length: 101 }, () => children[0]) })).rejects.toThrow(/"children"/);
    expect(api.requests).toHaveLength(0);
  });
});
