import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { notionDefaultBaseUrl, notionHeaders, notionUrl } from './notion-request';

/** Notion ids: a UUID with or without dashes, as copied from a page's URL. */
const notionIdSchema = z.string().regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/, 'Use a Notion id (32 hex digits, dashes optional)');

export const notionCreatePageConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default(notionDefaultBaseUrl),
  /** A row of a database, or a sub-page of a page (whose only property is `title`). */
  parent: z.union([z.strictObject({ database_id: notionIdSchema }), z.strictObject({ page_id: notionIdSchema })]),
  /**
   * Property values in Notion's shape, keyed by property name or id, e.g.
   * `{ Name: { title: [{ text: { content: 'Tuscan kale' } }] } }`; Notion validates them.
   */
  properties: z.record(z.string().min(1), z.record(z.string(), z.unknown())),
  /** Block objects for the page's content; Notion takes at most 100 in one request. */
  children: z.array(z.record(z.string(), z.unknown())).max(100).optional(),
});

const pageSchema = z.looseObject({ object: z.literal('page'), id: z.string(), url: z.string() });

/** Creates a page in a database or under a page (POST /v1/pages). */
export const notionCreatePageNode = defineNode({
  type: 'notion.createPage',
  version: 1,
  title: 'Create page',
  description: 'Creates a Notion page in a database or under another page.',
  category: 'Notion',
  icon: 'notebook',
  configSchema: notionCreatePageConfigSchema,
  sideEffects: true,
  sampleOutput: {
    object: 'page',
    id: '59833787-2cf9-4fdf-8782-e53db20768a5',
    created_time: '2022-03-01T19:05:00.000Z',
    last_edited_time: '2022-07-06T19:16:00.000Z',
    archived: false,
    parent: { type: 'database_id', database_id: 'd9824bdc-8445-4327-be8b-5b47500af6ce' },
    properties: { Name: { id: 'title', type: 'title', title: [{ type: 'text', text: { content: 'Tuscan kale', link: null }, plain_text: 'Tuscan kale' }] } },
    url: 'https://www.notion.so/Tuscan-kale-598337872cf94fdf8782e53db20768a5',
  },
  run: async (ctx) => {
    const { config } = ctx;
    const { body } = await httpRequest<unknown>(ctx, {
      method: 'POST',
      url: notionUrl(config.baseUrl, '/v1/pages'),
      headers: notionHeaders,
      json: { parent: config.parent, properties: config.properties, children: config.children },
      // Notion does not document Idempotency-Key and rejects requests it cannot parse.
      idempotencyHeader: false,
    });
    const page = pageSchema.safeParse(body);
    if (!page.success) throw new FatalError('Notion answered with something that is not a page', { details: { issues: page.error.issues.slice(0, 5) } });
    return page.data;
  },
});
