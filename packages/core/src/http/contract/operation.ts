import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a caller may do: `viewer` reads, `editor` also edits and runs, `admin` also manages connections, secrets and triggers. */
export type Role = 'viewer' | 'editor' | 'admin';

const roleRank: Readonly<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3 };

export function roleAllows(role: Role, needed: Role): boolean {
  return roleRank[role] >= roleRank[needed];
}

/**
 * One operation of the HTTP API: the single source of its route, its OpenAPI entry and
 * its client method. Schemas describe the JSON on the wire (times as ISO 8601 strings).
 */
export interface OperationSpec {
  method: HttpMethod;
  /** Hono-style path below the API's base path: `/runs/:runId`. */
  path: string;
  summary: string;
  tag: string;
  /** Least role allowed; `public` operations skip `authorize` (health, the OpenAPI document). */
  role: Role | 'public';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  success: {
    status: 200 | 201 | 202 | 204;
    /** Other 2xx statuses the operation answers with the same schema (an idempotent repeat: 200 for 201). */
    alsoStatus?: ReadonlyArray<200 | 201 | 202>;
    description: string;
    schema?: z.ZodType;
    /** `text/event-stream` operations stream Server-Sent Events; `schema` then describes each event's data. */
    contentType?: 'application/json' | 'text/event-stream';
  };
}

export function defineOperation<const Spec extends OperationSpec>(spec: Spec): Spec {
  return spec;
}

type EmptyObject = Record<never, never>;

/** What a client passes to call an operation. */
export type OperationInput<Op> = (Op extends { params: infer P extends z.ZodType } ? { params: z.input<P> } : EmptyObject) &
  (Op extends { query: infer Q extends z.ZodType } ? { query?: z.input<Q> } : EmptyObject) &
  // An optional body (`cancelRun`) may be left out rather than passed as `body: undefined`.
  (Op extends { body: infer B extends z.ZodType } ? (undefined extends z.input<B> ? { body?: z.input<B> } : { body: z.input<B> }) : EmptyObject);

/** What an operation answers with on success. */
export type OperationOutput<Op> = Op extends { success: { schema: infer S extends z.ZodType } } ? z.output<S> : void;

/** What a handler gets, parsed. */
export interface ParsedInput<Op> {
  params: Op extends { params: infer P extends z.ZodType } ? z.output<P> : EmptyObject;
  query: Op extends { query: infer Q extends z.ZodType } ? z.output<Q> : EmptyObject;
  body: Op extends { body: infer B extends z.ZodType } ? z.output<B> : undefined;
}

/** Swaps a `:name` path for OpenAPI's `{name}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
