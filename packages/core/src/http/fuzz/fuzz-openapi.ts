import fc from 'fast-check';
import { listOperations, type OpenApiDocumentLike } from './openapi-operations';
import { requestArbitrary, toRequest, type FuzzRequest } from './request-cases';
import { responseViolation } from './response-check';

export type { OpenApiDocumentLike } from './openapi-operations';
export type { FuzzRequest } from './request-cases';

export interface FuzzOpenApiOptions {
  /** Prefix of every path in the document: `http://127.0.0.1:3000/api`. */
  baseUrl: string;
  /** Requests per operation before shrinking (fast-check's `numRuns`, default 100). */
  numRuns?: number;
  /** fast-check seed, to replay a failure; the error names the seed it used. */
  seed?: number;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Readonly<Record<string, string>>;
  /**
   * `operationId`s not to fuzz (an operation without one is named `GET /path`). Operations
   * answering `text/event-stream` are always skipped, since a stream may never end and
   * `send` would not return; test them on their own. Skipped operations are listed in the summary.
   */
  skipOperations?: readonly string[];
  /**
   * Valid values for path parameters, by name, for instance ids of records that exist so
   * that valid requests reach the happy path instead of a 404. Defaults to the parameter's schema.
   */
  pathParamValues?: (name: string) => fc.Arbitrary<string>;
  /** A request that gets no response in this time fails (default 10 s). */
  timeoutMs?: number;
}

export interface FuzzSummary {
  /** Operations fuzzed (not counting skipped ones). */
  operations: number;
  /** Requests sent, shrinking included. */
  requests: number;
  /** Responses by HTTP status: `{ '200': 41, '400': 57 }`. */
  statusCounts: Record<string, number>;
  statusCountsByOperation: Record<string, Record<string, number>>;
  skipped: Array<{ operationId: string; reason: string }>;
}

/** What broke for one operation: the smallest failing request fast-check found, and the answer to it. */
export interface FuzzFailure {
  operationId: string;
  request: FuzzRequest;
  /** Undefined when `send` threw or timed out instead of answering. */
  response: { status: number; contentType: string | null; body: string } | undefined;
  reason: string;
  /** fast-check's report: seed, replay path, counterexample, shrink count. */
  report: string;
}

/** Thrown by `fuzzOpenApi` when an operation answered a request with a 5xx, a malformed 4xx, or not at all. */
export class OpenApiFuzzError extends Error {
  override readonly name = 'OpenApiFuzzError';
  readonly failures: readonly FuzzFailure[];
  readonly summary: FuzzSummary;

  constructor(failures: readonly FuzzFailure[], summary: FuzzSummary) {
    super(`${failures.length} of ${summary.operations} operation(s) broke the API contract:\n\n${failures.map(describeFailure).join('\n\n')}`);
    this.failures = failures;
    this.summary = summary;
  }
}

const bodyPreviewLength = 500;

function preview(text: string): string {
  return text.length > bodyPreviewLength ? `${text.slice(0, bodyPreviewLength)}… (${text.length} characters)` : text;
}

function describeFailure(failure: FuzzFailure): string {
  const { request, response } = failure;
  const lines = [`[${failure.operationId}] ${failure.reason}`, `  request (${request.variant}): ${request.method} ${preview(request.url)}`];
  if (request.contentType !== undefined) lines.push(`  content-type: ${request.contentType}`);
  if (request.body !== undefined) lines.push(`  body: ${preview(request.body)}`);
  if (response !== undefined) lines.push(`  response: ${response.status} ${response.contentType ?? '(no content-type)'}`, `  response body: ${preview(response.body)}`);
  const replay = failure.report.split('\n').filter((line) => /seed|Shrunk|failed after/.test(line));
  lines.push(...replay.map((line) => `  ${line}`));
  return lines.join('\n');
}

/**
 * Fuzzes every operation of an OpenAPI 3.1 document, schemathesis-style: valid requests
 * from the parameter and body schemas, and near-valid ones with one part broken (a mutated
 * value, junk in a path parameter, malformed JSON, a wrong content-type, an empty body).
 * A response fails when it is a 5xx, or a 4xx that is not a problem+json with string
 * `type`, `title` and `code` and a `status` equal to the HTTP status. Failures of all
 * operations are collected and thrown together as an `OpenApiFuzzError`, each with the
 * smallest failing request fast-check could shrink to.
 *
 * @example
 * ```ts
 * import { fuzzOpenApi } from './fuzz-openapi';
 *
 * declare const document: { paths: Record<string, unknown> };
 * declare const handler: (request: Request) => Promise<Response>;
 *
 * const summary = await fuzzOpenApi(document, handler, { baseUrl: 'http://localhost/api', numRuns: 50 });
 * const succeeded = Object.entries(summary.statusCounts).filter(([status]) => status.startsWith('2'));
 * ```
 */
export async function fuzzOpenApi(
  document: OpenApiDocumentLike,
  send: (request: Request) => Promise<Response>,
  options: FuzzOpenApiOptions,
): Promise<FuzzSummary> {
  const summary: FuzzSummary = { operations: 0, requests: 0, statusCounts: {}, statusCountsByOperation: {}, skipped: [] };
  const failures: FuzzFailure[] = [];
  const skip = new Set(options.skipOperations ?? []);
  const headers = options.headers ?? {};
  const timeoutMs = options.timeoutMs ?? 10_000;
  const components = document.components?.schemas ?? {};

  for (const operation of listOperations(document)) {
    if (skip.has(operation.id)) {
      summary.skipped.push({ operationId: operation.id, reason: 'listed in skipOperations' });
      continue;
    }
    if (operation.streams) {
      summary.skipped.push({ operationId: operation.id, reason: 'answers text/event-stream' });
      continue;
    }
    summary.operations += 1;
    const counts: Record<string, number> = {};
    summary.statusCountsByOperation[operation.id] = counts;
    const requests = requestArbitrary(operation, { baseUrl: options.baseUrl, components, pathParamValues: options.pathParamValues });
    // fast-check runs one case at a time, so the last failure recorded is the counterexample it reports.
    let lastFailure: Omit<FuzzFailure, 'report'> | undefined;
    const property = fc.asyncProperty(requests, async (request) => {
      summary.requests += 1;
      let response: Response;
      try {
        response = await withTimeout(send(toRequest(request, headers)), timeoutMs);
      } catch (error) {
        const reason = `no response: ${error instanceof Error ? error.message : String(error)}`;
        lastFailure = { operationId: operation.id, request, response: undefined, reason };
        throw new Error(reason, { cause: error });
      }
      const body = await response.text();
      const status = String(response.status);
      summary.statusCounts[status] = (summary.statusCounts[status] ?? 0) + 1;
      counts[status] = (counts[status] ?? 0) + 1;
      const contentType = response.headers.get('content-type');
      const reason = responseViolation(response.status, contentType, body);
      if (reason !== undefined) {
        lastFailure = { operationId: operation.id, request, response: { status: response.status, contentType, body }, reason };
        throw new Error(`${reason}: ${preview(body)}`);
      }
    });
    try {
      await fc.assert(property, { numRuns: options.numRuns ?? 100, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    } catch (error) {
      const report = error instanceof Error ? error.message : String(error);
      failures.push(lastFailure === undefined ? { operationId: operation.id, request: emptyRequest(), response: undefined, reason: report, report } : { ...lastFailure, report });
    }
  }
  if (failures.length > 0) throw new OpenApiFuzzError(failures, summary);
  return summary;
}

function emptyRequest(): FuzzRequest {
  return { method: '', url: '', variant: 'unknown', contentType: undefined, body: undefined };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no response within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
