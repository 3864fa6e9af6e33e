import { asSchema, isRecord, type JsonSchema } from './json-schema';

/** The parts of an OpenAPI 3.1 document the fuzzer reads; anything else in it is ignored. */
export interface OpenApiDocumentLike {
  readonly paths?: Readonly<Record<string, unknown>>;
  readonly components?: {
    readonly schemas?: Readonly<Record<string, unknown>>;
    readonly parameters?: Readonly<Record<string, unknown>>;
    readonly requestBodies?: Readonly<Record<string, unknown>>;
  };
}

export type FuzzMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

const methods: readonly FuzzMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export interface FuzzParameter {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the document, as the fuzzer sees it. */
export interface FuzzOperation {
  /** `operationId`, or `GET /path` when the document gives none. */
  id: string;
  method: FuzzMethod;
  /** OpenAPI path template: `/items/{itemId}`. */
  path: string;
  pathParams: FuzzParameter[];
  queryParams: FuzzParameter[];
  body: { schema: JsonSchema; required: boolean } | undefined;
  /** Answers 2xx with `text/event-stream`: a stream that may never end, so the fuzzer skips it. */
  streams: boolean;
}

export function listOperations(document: OpenApiDocumentLike): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!isRecord(item)) continue;
    const shared = parameterList(item['parameters'], document);
    for (const method of methods) {
      const operation = item[method];
      if (!isRecord(operation)) continue;
      // Operation-level parameters override path-level ones of the same name and location (OpenAPI 3.1, Path Item Object).
      const byKey = new Map<string, FuzzParameter & { in: string }>();
      for (const parameter of [...shared, ...parameterList(operation['parameters'], document)]) byKey.set(`${parameter.in}:${parameter.name}`, parameter);
      const parameters = [...byKey.values()];
      const pathParams = parameters.filter((parameter) => parameter.in === 'path').map(({ in: _in, ...parameter }) => ({ ...parameter, required: true }));
      // A template variable the document forgot to declare still needs a value.
      for (const match of path.matchAll(/\{([^}]+)\}/g)) {
        const name = match[1];
        if (name !== undefined && !pathParams.some((parameter) => parameter.name === name)) pathParams.push({ name, required: true, schema: { type: 'string' } });
      }
      operations.push({
        id: typeof operation['operationId'] === 'string' ? operation['operationId'] : `${method.toUpperCase()} ${path}`,
        method,
        path,
        pathParams,
        queryParams: parameters.filter((parameter) => parameter.in === 'query').map(({ in: _in, ...parameter }) => parameter),
        body: requestBody(operation['requestBody'], document),
        streams: answersEventStream(operation['responses']),
      });
    }
  }
  return operations;
}

/** Follows a `$ref` to `#/components/<section>/<name>`; anything else is returned as is. */
function dereference(value: unknown, section: 'parameters' | 'requestBodies', document: OpenApiDocumentLike): unknown {
  if (!isRecord(value) || typeof value['$ref'] !== 'string') return value;
  const prefix = `#/components/${section}/`;
  const ref = value['$ref'];
  return ref.startsWith(prefix) ? document.components?.[section]?.[ref.slice(prefix.length)] : undefined;
}

function parameterList(value: unknown, document: OpenApiDocumentLike): Array<FuzzParameter & { in: string }> {
  if (!Array.isArray(value)) return [];
  const list: Array<FuzzParameter & { in: string }> = [];
  for (const entry of value) {
    const parameter = dereference(entry, 'parameters', document);
    if (!isRecord(parameter) || typeof parameter['name'] !== 'string' || typeof parameter['in'] !== 'string') continue;
    list.push({ name: parameter['name'], in: parameter['in'], required: parameter['required'] === true, schema: asSchema(parameter['schema']) ?? true });
  }
  return list;
}

function isJsonMediaType(mediaType: string): boolean {
  const essence = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

function requestBody(value: unknown, document: OpenApiDocumentLike): FuzzOperation['body'] {
  const body = dereference(value, 'requestBodies', document);
  if (!isRecord(body) || !isRecord(body['content'])) return undefined;
  for (const [mediaType, content] of Object.entries(body['content'])) {
    if (isJsonMediaType(mediaType) && isRecord(content)) return { schema: asSchema(content['schema']) ?? true, required: body['required'] === true };
  }
  return undefined;
}

function answersEventStream(responses: unknown): boolean {
  if (!isRecord(responses)) return false;
  return Object.entries(responses).some(
    ([status, response]) =>
      status.startsWith('2') &&
      isRecord(response) &&
      isRecord(response['content']) &&
      Object.keys(response['content']).some((mediaType) => mediaType.split(';')[0]?.trim().toLowerCase() === 'text/event-stream'),
  );
}
