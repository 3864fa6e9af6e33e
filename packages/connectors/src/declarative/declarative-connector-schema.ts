import { authSpecSchema } from '@pipewright/core';
import { z } from 'zod';

/** A JSON value, the only thing a request template may hold (no functions, no code). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);

/** Identifiers end up in node type ids (`<id>.<key>`) and expression paths, so they stay plain. */
const identifierSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'Use letters, digits and underscores, starting with a letter');

const maxPagesSchema = z.number().int().min(1).max(1000);

/**
 * How a listing action walks pages. Every type stops at `maxPages` (which the node's
 * `maxPages` config may lower or raise) and on an empty page, so a misbehaving API
 * cannot keep a step running forever.
 */
export const paginationSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('cursor'),
    /** JMESPath in the response body to the next cursor, e.g. `next_cursor` or `data[-1].id`. */
    cursorPath: z.string().min(1),
    /** The query parameter the cursor is sent in. */
    param: z.string().min(1),
    /** JMESPath to a flag that says more pages exist (Stripe's `has_more`); without it a missing cursor ends the walk. */
    hasMorePath: z.string().min(1).optional(),
    maxPages: maxPagesSchema,
  }),
  z.object({
    type: z.literal('page'),
    /** The query parameter holding the page number. */
    param: z.string().min(1),
    startAt: z.number().int().min(0).default(1),
    maxPages: maxPagesSchema,
    /** Stop at the first page without items (on by default; the walk always stops at `maxPages`). */
    stopWhenEmpty: z.boolean().default(true),
  }),
  z.object({
    /** RFC 8288 `Link: <…>; rel="next"`, as GitHub pages. */
    type: z.literal('linkHeader'),
    maxPages: maxPagesSchema,
  }),
]);

/** A JSON Schema object describing an action's config fields; turned into zod with `z.fromJSONSchema`. */
export const configJsonSchemaSchema = z.looseObject({
  type: z.literal('object'),
  properties: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  required: z.array(z.string()).optional(),
});

export const httpMethodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const declarativeActionSchema = z.object({
  /** The node type is `<connector id>.<key>`. */
  key: identifierSchema,
  title: z.string().min(1),
  description: z.string(),
  method: httpMethodSchema,
  /** Appended to the base URL; `{{ config.x }}` placeholders are URL-encoded. */
  path: z.string().startsWith('/', 'A path starts with "/"'),
  config: configJsonSchemaSchema,
  /** Query parameters; templates that yield null are left out. */
  query: z.record(z.string(), jsonValueSchema).optional(),
  headers: z.record(z.string(), jsonValueSchema).optional(),
  body: jsonValueSchema.optional(),
  bodyType: z.enum(['json', 'form']).default('json'),
  response: z
    .object({
      /** JMESPath shaping the output: over the body, or over `{ items, hasMore }` when paginating. */
      map: z.string().min(1).optional(),
      /** JMESPath to the list in each page's body; the body itself when absent. */
      items: z.string().min(1).optional(),
    })
    .optional(),
  pagination: paginationSchema.optional(),
  /** Send the step's idempotency key as `Idempotency-Key` (only for APIs that honour it). */
  idempotency: z.boolean().default(false),
  sideEffects: z.boolean(),
  sampleOutput: jsonValueSchema.optional(),
});

/**
 * A connector written as data: safe to share through a marketplace because the engine
 * interprets it (HTTP requests shaped by templates and JMESPath) and never runs its code.
 */
export const declarativeConnectorSchema = z.object({
  formatVersion: z.literal(1),
  id: identifierSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  icon: z.string().optional(),
  auth: authSpecSchema,
  /** The API's base URL; every action's `baseUrl` config defaults to it. */
  baseUrl: z.url(),
  /** Sent with every request, e.g. an API version header. */
  headers: z.record(z.string(), z.string()).optional(),
  actions: z.array(declarativeActionSchema).min(1),
  /** The request that checks a connection's credentials. */
  test: z.object({ method: httpMethodSchema, path: z.string().startsWith('/', 'A path starts with "/"') }).optional(),
});

export type DeclarativeConnector = z.output<typeof declarativeConnectorSchema>;
export type DeclarativeConnectorInput = z.input<typeof declarativeConnectorSchema>;
export type DeclarativeAction = DeclarativeConnector['actions'][number];
export type Pagination = z.output<typeof paginationSchema>;
