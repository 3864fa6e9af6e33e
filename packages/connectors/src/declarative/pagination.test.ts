import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockApi, type MockApi } from '../test-support/mock-api';
import { runAction } from '../test-support/run-action';
import { declarativeToConnector } from './declarative-to-connector';

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

const pages = [['a', 'b'], ['c', 'd'], ['e']];

const documentFor = (action: Record<string, unknown>) => ({
  formatVersion: 1,
  id: 'shop',
  name: 'Shop',
  auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
  baseUrl: 'https://api.shop.example',
  headers: { 'X-Api-Version': '2024-01-01' },
  actions: [
    {
      key: 'listItems',
      title: 'List items',
      description: 'Lists items',
      method: 'GET',
      path: '/stores/{{ config.store }}/items',
      config: { type: 'object', properties: { store: { type: 'string' }, tag: { type: 'string' } }, required: ['store'] },
      query: { tag: '{{ config.tag }}', per_page: 2 },
      response: { items: 'items' },
      sideEffects: false,
      ...action,
    },
  ],
});

const credentials = { type: 'apiKey' as const, apiKey: 'key_secret_123456789' };

describe('page pagination', () => {
  const connector = declarativeToConnector(documentFor({ pagination: { type: 'page', param: 'page', startAt: 1, maxPages: 10 } }));

  it('counts pages until an empty one, encoding path placeholders and leaving unset query fields out', async () => {
    api.reply = (request) => ({ json: { items: pages[Number(request.query['page']) - 1] ?? [] } });
    const outcome = await runAction(connector, 'shop.listItems', { baseUrl: api.url, store: 'a/b c' }, { credentials });
    expect(outcome.output).toEqual({ items: ['a', 'b', 'c', 'd', 'e'], hasMore: false });
    expect(api.requests.map((seen) => seen.query)).toEqual([1, 2, 3, 4].map((page) => ({ per_page: '2', page: String(page) })));
    expect(api.requests[0]?.path).toBe('/stores/a%2Fb%20c/items');
    expect(api.requests[0]?.headers['x-api-key']).toBe('key_secret_123456789');
    expect(api.requests[0]?.headers['x-api-version']).toBe('2024-01-01');
    expect(JSON.stringify(outcome.view)).not.toContain('key_secret_123456789');
  });

  it('stops at the maxPages config and says more may remain', async () => {
    api.reply = (request) => ({ json: { items: pages[Number(request.query['page']) - 1] ?? [] } });
    const outcome = await runAction(connector, 'shop.listItems', { baseUrl: api.url, store: 's', tag: 'red', maxPages: 2 }, { credentials });
    expect(outcome.output).toEqual({ items: ['a', 'b', 'c', 'd'], hasMore: true });
    expect(api.requests.map((seen) => seen.query['tag'])).toEqual(['red', 'red']);
  });

  it('rejects a missing required field at compile time', async () => {
    await expect(runAction(connector, 'shop.listItems', { baseUrl: api.url }, { credentials })).rejects.toThrow(/store/);
  });
});

describe('linkHeader pagination', () => {
  const connector = declarativeToConnector(documentFor({ pagination: { type: 'linkHeader', maxPages: 10 }, response: { items: 'items', map: 'items[*].upper(@)' } }));

  it('follows rel="next" links on the same host and maps the concatenated items', async () => {
    api.reply = (request) => {
      const page = Number(request.query['page'] ?? '1');
      const link = page < pages.length ? `<${api.url}${request.path}?page=${page + 1}&per_page=2>; rel="next", <${api.url}${request.path}?page=3>; rel="last"` : undefined;
      return { json: { items: pages[page - 1] }, ...(link ? { headers: { link } } : {}) };
    };
    const outcome = await runAction(connector, 'shop.listItems', { baseUrl: api.url, store: 's' }, { credentials });
    expect(outcome.output).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(api.requests.map((seen) => seen.query)).toEqual([{ per_page: '2' }, { page: '2', per_page: '2' }, { page: '3', per_page: '2' }]);
    expect(api.requests.every((seen) => seen.headers['x-api-key'] === 'key_secret_123456789')).toBe(true);
  });

  it('refuses a next link to another host rather than send the credentials there', async () => {
    api.reply = () => ({ json: { items: ['a'] }, headers: { link: '<https://evil.example/items?page=2>; rel="next"' } });
    const outcome = await runAction(connector, 'shop.listItems', { baseUrl: api.url, store: 's' }, { credentials });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'fatal' } });
    expect(outcome.error?.message).toContain('another host');
    expect(api.requests).toHaveLength(1);
  });
});

describe('JSON bodies from config and input', () => {
  const connector = declarativeToConnector({
    ...documentFor({}),
    actions: [
      {
        key: 'createItem',
        title: 'Create item',
        description: 'Creates an item',
        method: 'POST',
        path: '/items',
        config: { type: 'object', properties: { name: { type: 'string' }, price: { type: 'number' }, note: { type: 'string' } } },
        body: { name: '{{ config.name }}', price: '{{ config.price }}', note: '{{ config.note }}', from: 'run {{ input.id }}', clear: null },
        response: { map: '{ id: id }' },
        sideEffects: true,
      },
    ],
  });

  it('keeps whole-template types, drops unset fields, keeps literal nulls and sends no idempotency key by default', async () => {
    api.reply = () => ({ json: { id: 'it_1', name: 'x' } });
    const outcome = await runAction(connector, 'shop.createItem', { baseUrl: api.url, name: 'Lamp', price: 12.5 }, { credentials, input: { id: 7 } });
    expect(outcome.output).toEqual({ id: 'it_1' });
    const [seen] = api.requests;
    expect(seen?.headers['content-type']).toContain('application/json');
    expect(seen?.headers['idempotency-key']).toBeUndefined();
    expect(seen?.body).toEqual({ name: 'Lamp', price: 12.5, from: 'run 7', clear: null });
  });
});
