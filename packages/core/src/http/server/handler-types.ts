import type { Engine } from '../../runtime/engine';
import type { OperationId, Operations } from '../contract/operations';
import type { OperationOutput, ParsedInput, Role } from '../contract/operation';

/** Who the host says the caller is. */
export interface Principal {
  tenantId: string;
  userId: string;
  role: Role;
}

export interface HttpApiOptions {
  engine: Engine;
  /**
   * Decides who the caller is, from the request (a session cookie, a bearer token...).
   * `null` answers 401. Every operation but `getHealth` and the OpenAPI document asks it.
   */
  authorize: (request: Request) => Principal | null | Promise<Principal | null>;
  /** The path the handler is mounted under (`/api`): it is matched, then stripped. */
  basePath?: string;
  /** Where the host mounts `engine.webhookHandler` (`https://app.example/hooks`): webhook triggers show their full URL. */
  webhookBaseUrl?: string;
  /** Largest request body read, in bytes (5 MiB): more answers 413. */
  maxBodyBytes?: number;
  /** Checks every response against its schema and fails loudly when one does not match: for tests. */
  validateResponses?: boolean;
  /** How often a live run stream re-reads the store for events of other workers (1 s). */
  streamPollMs?: number;
  /**
   * Cross-origin access for a builder served from another origin than the API: the
   * origins allowed (exact strings, or a function that returns the origin to allow or
   * null), and whether the browser sends cookies. Absent: no CORS headers.
   */
  cors?: { origin: string | readonly string[] | ((origin: string) => string | null); credentials?: boolean; maxAgeSeconds?: number };
  /** Where unexpected errors are reported; their details never reach the response. */
  onError?: (message: string, error: unknown) => void;
}

export interface HandlerContext {
  engine: Engine;
  /** The caller; for public operations, an anonymous viewer with no tenant. */
  principal: Principal;
  request: Request;
  options: HttpApiOptions;
}

/** A success answer with a status other than the operation's default. */
export class Answer<Body> {
  constructor(
    readonly status: number,
    readonly body: Body,
  ) {}
}

export function answer<Body>(status: 200 | 201 | 202 | 204, body: Body): Answer<Body> {
  return new Answer(status, body);
}

export type HandlerResult<Op> = OperationOutput<Op> | Answer<OperationOutput<Op>> | Response;

export type OperationHandler<Op> = (input: ParsedInput<Op>, context: HandlerContext) => Promise<HandlerResult<Op>>;

export type OperationHandlers = { [Id in OperationId]: OperationHandler<Operations[Id]> };

/** The engine's tenant context for the caller. */
export function tenantOf(context: HandlerContext): { tenantId: string; userId: string } {
  return { tenantId: context.principal.tenantId, userId: context.principal.userId };
}
