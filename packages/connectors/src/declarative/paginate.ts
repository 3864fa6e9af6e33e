import { evaluateJmespath, FatalError } from '@pipewright/core';
import type { HttpResponse } from '../sdk/http-request';
import type { Pagination } from './declarative-connector-schema';
import { nextLink } from '../sdk/link-header';

type Query = Record<string, string | number | boolean>;

/** Sends one page's request: the first URL and query, or what the pagination asks for next. */
export type SendPage = (url: string, query: Query) => Promise<HttpResponse>;

export interface PaginatedOutput {
  items: unknown[];
  /** The walk stopped at `maxPages` while the API said more pages exist. */
  hasMore: boolean;
}

export interface PageWalk {
  pagination: Pagination;
  maxPages: number;
  /** JMESPath to each page's list; the body itself when absent. */
  itemsPath: string | undefined;
  url: string;
  query: Query;
  send: SendPage;
}

function itemsOf(body: unknown, itemsPath: string | undefined): unknown[] {
  const list = itemsPath === undefined ? body : evaluateJmespath(itemsPath, body);
  if (!Array.isArray(list)) throw new FatalError(`The response has no list${itemsPath === undefined ? '' : ` at "${itemsPath}"`}`);
  return list;
}

/** JMESPath's truthiness: false, null, "", [] and {} are false. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

async function walkCursor(walk: PageWalk & { pagination: { type: 'cursor' } }): Promise<PaginatedOutput> {
  const { pagination } = walk;
  const items: unknown[] = [];
  let query = walk.query;
  let previous: unknown;
  for (let page = 0; page < walk.maxPages; page += 1) {
    const { body } = await walk.send(walk.url, query);
    const list = itemsOf(body, walk.itemsPath);
    items.push(...list);
    const cursor = evaluateJmespath(pagination.cursorPath, body);
    const saysMore = pagination.hasMorePath === undefined ? true : truthy(evaluateJmespath(pagination.hasMorePath, body));
    // An empty page or a cursor that did not move would ask for the same page forever.
    const more = saysMore && truthy(cursor) && list.length > 0 && cursor !== previous;
    if (!more) return { items, hasMore: false };
    previous = cursor;
    query = { ...query, [pagination.param]: typeof cursor === 'number' || typeof cursor === 'boolean' ? cursor : String(cursor) };
  }
  return { items, hasMore: true };
}

async function walkPages(walk: PageWalk & { pagination: { type: 'page' } }): Promise<PaginatedOutput> {
  const { pagination } = walk;
  const items: unknown[] = [];
  let lastWasFull = false;
  for (let page = 0; page < walk.maxPages; page += 1) {
    const { body } = await walk.send(walk.url, { ...walk.query, [pagination.param]: pagination.startAt + page });
    const list = itemsOf(body, walk.itemsPath);
    items.push(...list);
    lastWasFull = list.length > 0;
    if (!lastWasFull && pagination.stopWhenEmpty) return { items, hasMore: false };
  }
  return { items, hasMore: lastWasFull };
}

async function walkLinks(walk: PageWalk): Promise<PaginatedOutput> {
  const items: unknown[] = [];
  const origin = new URL(walk.url).origin;
  let url = walk.url;
  let query = walk.query;
  for (let page = 0; page < walk.maxPages; page += 1) {
    const { body, headers } = await walk.send(url, query);
    items.push(...itemsOf(body, walk.itemsPath));
    const next = nextLink(headers.get('link'));
    if (next === undefined) return { items, hasMore: false };
    const nextUrl = new URL(next, url);
    // The connection's credentials go with every page: a link to another host would hand them over.
    if (nextUrl.origin !== origin) throw new FatalError(`The next page link points to another host (${nextUrl.origin})`);
    url = nextUrl.href;
    // The link carries the whole query of the next page.
    query = {};
  }
  return { items, hasMore: true };
}

/** Walks the pages of a listing action and concatenates their items. */
export function paginate(walk: PageWalk): Promise<PaginatedOutput> {
  const { pagination } = walk;
  switch (pagination.type) {
    case 'cursor':
      return walkCursor({ ...walk, pagination });
    case 'page':
      return walkPages({ ...walk, pagination });
    case 'linkHeader':
      return walkLinks(walk);
  }
}
