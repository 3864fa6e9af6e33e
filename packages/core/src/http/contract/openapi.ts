import { z } from 'zod';
import { workflowJsonSchema } from '../../model/json-schema';
import { problemSchema } from './common-schemas';
import { operations, type OperationId } from './operations';
import { openApiPath, type OperationSpec } from './operation';
import { workflowDefinitionSchema } from './workflow-schemas';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown>; responses: Record<string, unknown> };
}

const errorStatuses: Readonly<Record<string, string>> = {
  '400': 'The request is malformed or does not match the schema',
  '401': 'No credentials, or credentials the host does not accept',
  '403': "The caller's role does not allow this",
  '404': 'Not found (also for ids of another tenant)',
  '409': 'Conflicts with the current state',
  '413': 'The body is too large',
  '415': 'The body is not JSON',
  '422': 'The workflow does not compile',
};

/**
 * Converts zod schemas to JSON Schema 2020-12 and collects named ones (`.meta({ id })`)
 * as components, so the document and the server share one definition of every shape.
 */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = { Workflow: stripDialect(workflowJsonSchema()) };

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const converted = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      override: (ctx) => {
        if (ctx.zodSchema === workflowDefinitionSchema) {
          for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
          Object.assign(ctx.jsonSchema, { $ref: '#/components/schemas/Workflow' });
        }
      },
    }) as JsonSchema;
    const defs = (converted['$defs'] ?? {}) as Record<string, JsonSchema>;
    delete converted['$defs'];
    const renames = new Map<string, string>();
    for (const [id, definition] of Object.entries(defs)) {
      const existing = this.components[id];
      const name = existing === undefined || JSON.stringify(existing) === JSON.stringify(definition) ? id : `${id}${io === 'input' ? 'Input' : 'Output'}`;
      renames.set(id, name);
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      const out: JsonSchema = {};
      for (const [key, inner] of Object.entries(value)) {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          const id = inner.slice('#/$defs/'.length);
          out[key] = `#/components/schemas/${renames.get(id) ?? id}`;
        } else out[key] = rewrite(inner);
      }
      return out;
    };
    for (const [id, definition] of Object.entries(defs)) this.components[renames.get(id) ?? id] = rewrite(definition) as JsonSchema;
    return stripDialect(rewrite(converted) as JsonSchema);
  }
}

function stripDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function parameters(spec: OperationSpec, collector: SchemaCollector): unknown[] {
  const list: unknown[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (schema === undefined) continue;
    const converted = collector.convert(schema, 'input');
    const required = new Set((converted['required'] as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((converted['properties'] ?? {}) as Record<string, JsonSchema>)) {
      const parameter: JsonSchema = { name, in: where, required: where === 'path' || required.has(name), schema: property };
      if (typeof property['description'] === 'string') parameter['description'] = property['description'];
      list.push(parameter);
    }
  }
  return list;
}

function operationObject(id: OperationId, spec: OperationSpec, collector: SchemaCollector): Record<string, unknown> {
  const operation: Record<string, unknown> = { operationId: id, summary: spec.summary, tags: [spec.tag], 'x-pipewright-role': spec.role };
  if (spec.role === 'public') operation['security'] = [];
  const parameterList = parameters(spec, collector);
  if (parameterList.length > 0) operation['parameters'] = parameterList;
  if (spec.body !== undefined) {
    operation['requestBody'] = {
      required: !spec.body.safeParse(undefined).success,
      content: { 'application/json': { schema: collector.convert(spec.body, 'input') } },
    };
  }
  const responses: Record<string, unknown> = {};
  const success = spec.success;
  for (const status of [success.status, ...(success.alsoStatus ?? [])]) {
    const response: Record<string, unknown> = { description: success.description };
    if (success.schema !== undefined && status !== 204) {
      const schema = collector.convert(success.schema, 'output');
      response['content'] =
        success.contentType === 'text/event-stream'
          ? { 'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events; each `data:` line is one JSON item (x-item-schema)' }, 'x-item-schema': schema } }
          : { 'application/json': { schema } };
    }
    responses[String(status)] = response;
  }
  for (const status of Object.keys(errorStatuses)) {
    if (status === '401' || status === '403') {
      if (spec.role !== 'public') responses[status] = { $ref: `#/components/responses/Problem${status}` };
    } else responses[status] = { $ref: `#/components/responses/Problem${status}` };
  }
  responses['default'] = { $ref: '#/components/responses/ProblemDefault' };
  operation['responses'] = responses;
  return operation;
}

/** The OpenAPI 3.1 document of the HTTP API, generated from the operations' zod schemas. */
export function createOpenApiDocument(options: { serverUrl?: string } = {}): OpenApiDocument {
  const collector = new SchemaCollector();
  const problem = collector.convert(problemSchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  for (const id of Object.keys(operations) as OperationId[]) {
    const spec: OperationSpec = operations[id];
    const path = openApiPath(spec.path);
    paths[path] ??= {};
    paths[path][spec.method] = operationObject(id, spec, collector);
    tags.add(spec.tag);
  }
  const problemContent = { 'application/problem+json': { schema: problem } };
  const responses: Record<string, unknown> = { ProblemDefault: { description: 'An error, as RFC 9457 problem details', content: problemContent } };
  for (const [status, description] of Object.entries(errorStatuses)) responses[`Problem${status}`] = { description, content: problemContent };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pipewright API',
      version: '1',
      description: 'Workflows, runs, connections and triggers of an embedded Pipewright engine. Errors are RFC 9457 problem details with a stable `code`.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    security: [{ bearer: [] }],
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: { schemas: collector.components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, responses },
  };
}
