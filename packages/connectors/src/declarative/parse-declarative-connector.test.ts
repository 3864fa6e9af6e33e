import { describe, expect, it } from 'vitest';
import { declarativeToConnector } from './declarative-to-connector';
import stripeDocument from './examples/stripe.json';
import { parseDeclarativeConnector } from './parse-declarative-connector';

function withAction(action: Record<string, unknown>) {
  return {
    formatVersion: 1,
    id: 'shop',
    name: 'Shop',
    auth: { type: 'none' },
    baseUrl: 'https://api.shop.example',
    actions: [
      { key: 'ok', title: 'Ok', description: '', method: 'GET', path: '/ok', config: { type: 'object', properties: {} }, sideEffects: false },
      { key: 'getOrder', title: 'Get order', description: '', method: 'GET', path: '/orders', config: { type: 'object', properties: { id: { type: 'string' } } }, sideEffects: false, ...action },
    ],
  };
}

describe('parseDeclarativeConnector', () => {
  it('accepts the Stripe example', () => {
    expect(parseDeclarativeConnector(stripeDocument)).toMatchObject({ ok: true, connector: { id: 'stripe' } });
  });

  it('reports a wrong method at its path', () => {
    const result = parseDeclarativeConnector(withAction({ method: 'FETCH' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.path)).toEqual([['actions', 1, 'method']]);
  });

  it('reports a template root other than config and input, with the path inside the template', () => {
    const result = parseDeclarativeConnector(withAction({ query: { q: '{{ config.id }}', who: 'x {{ trigger.user }}' }, body: undefined }));
    expect(result).toEqual({ ok: false, issues: [{ path: ['actions', 1, 'query', 'who'], message: expect.stringContaining('reads "trigger"') }] });
  });

  it('reports JMESPath that does not compile and a template that does not parse', () => {
    const result = parseDeclarativeConnector(withAction({ response: { map: 'items[?' }, headers: { 'x-a': '{{ config.id ' } }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((issue) => issue.path)).toEqual([
        ['actions', 1, 'headers', 'x-a'],
        ['actions', 1, 'response', 'map'],
      ]);
    }
  });

  it('reports a path placeholder that names no declared config field, or is not a config field', () => {
    const result = parseDeclarativeConnector(withAction({ path: '/orders/{{ config.orderId }}/{{ input.x }}' }));
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: ['actions', 1, 'path'], message: 'The path uses config.orderId, which the action\'s config does not declare' },
        { path: ['actions', 1, 'path'], message: 'A path placeholder must be "{{ config.<field> }}", not "{{ input.x }}"' },
      ],
    });
  });

  it('reports reserved config fields, duplicate keys, a GET body and a bad cursor path together', () => {
    const document = withAction({
      key: 'ok',
      config: { type: 'object', properties: { baseUrl: { type: 'string' } } },
      body: { a: 1 },
      pagination: { type: 'cursor', cursorPath: 'next[', param: 'cursor', maxPages: 3 },
    });
    const result = parseDeclarativeConnector(document);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((issue) => issue.path)).toEqual([
        ['actions', 1, 'key'],
        ['actions', 1, 'config', 'properties', 'baseUrl'],
        ['actions', 1, 'body'],
        ['actions', 1, 'pagination', 'cursorPath'],
      ]);
    }
  });

  it('makes declarativeToConnector throw with every issue', () => {
    expect(() => declarativeToConnector(withAction({ path: '/orders/{{ config.nope }}' }))).toThrow('$.actions[1].path: The path uses config.nope');
  });
});
