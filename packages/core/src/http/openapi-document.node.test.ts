import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createOpenApiDocument } from './contract/openapi';
import { operations } from './contract/operations';

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document by the specification’s own JSON Schema', async () => {
    const validator = new Validator();
    const result = await validator.validate({ ...createOpenApiDocument({ serverUrl: '/api' }) });
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every operation with its role, and errors as problem details', () => {
    const document = createOpenApiDocument();
    const described = Object.values(document.paths).flatMap((item) => Object.values(item) as Array<{ operationId: string; 'x-pipewright-role': string; responses: Record<string, unknown> }>);
    expect(described.map((operation) => operation.operationId).sort()).toEqual(Object.keys(operations).sort());
    for (const operation of described) {
      expect(operation['x-pipewright-role']).toBe(operations[operation.operationId as keyof typeof operations].role);
      expect(operation.responses['default']).toEqual({ $ref: '#/components/responses/ProblemDefault' });
    }
    expect(document.components.responses['ProblemDefault']).toMatchObject({ content: { 'application/problem+json': {} } });
  });
});
