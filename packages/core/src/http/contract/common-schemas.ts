import { z } from 'zod';

/** An id in a path or body: ids are printable and short; anything else is not an id of ours. */
export const idSchema = z.string().min(1).max(200);

export const isoTimeSchema = z.iso.datetime({ offset: true }).describe('ISO 8601 date and time');

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function isoTimeOrUndefined(epochMs: number | undefined): string | undefined {
  return epochMs === undefined ? undefined : isoTime(epochMs);
}

/** Page size: 1–500, 50 by default. */
/** Drops absent page fields, for engine calls under `exactOptionalPropertyTypes`. */
export function pageRequest(query: { limit?: number | undefined; cursor?: string | undefined }): { limit?: number; cursor?: string } {
  const page: { limit?: number; cursor?: string } = {};
  if (query.limit !== undefined) page.limit = query.limit;
  if (query.cursor !== undefined) page.cursor = query.cursor;
  return page;
}

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional().describe('Items per page (1–500, default 50)'),
  cursor: z.string().min(1).max(2_000).optional().describe('`nextCursor` of the previous page'),
});

export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional().describe('Absent on the last page') });
}

/** Any JSON value (a run's input, a step's output). */
export const jsonValueSchema = z.unknown().describe('Any JSON value');

export const recordedErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const validationIssueSchema = z.object({ path: z.string(), message: z.string(), code: z.string().optional() });

/**
 * RFC 9457 problem details. `type` is `urn:pipewright:problem:<code>`; `code` repeats
 * the stable code for clients that do not parse URNs.
 */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
    errors: z.array(validationIssueSchema).optional().describe('Every problem found in the request, with its path'),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;
