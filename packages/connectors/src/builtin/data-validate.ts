import { defineNode, routeTo } from '@pipewright/core';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import { linearRegExp } from './linear-regexp';

/**
 * One validator for every workflow. `strict: false` because schemas written by users
 * carry annotations ajv does not know (`x-…`, editor hints) and must still compile;
 * `allErrors` so a run reports every problem, not the first one; user patterns run on a
 * linear-time engine (`linearRegExp`).
 */
const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp: linearRegExp } });
addFormats(ajv);

/** Compiled validators by schema text: configs are re-resolved per step, so object identity never repeats. */
const compiled = new Map<string, { schema: Record<string, unknown>; validate: ValidateFunction }>();
/** Bounded so that schemas built from expressions cannot grow it without end. */
const maxCompiled = 500;

/** The validator of a schema; throws when the schema does not compile (an unknown `$ref`, ...). */
function validatorOf(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached.validate;
  // ajv keeps schemas by `$id`: a changed schema with the same `$id` replaces the old one.
  if (typeof schema['$id'] === 'string') ajv.removeSchema(schema['$id']);
  const validate = ajv.compile(schema);
  if (compiled.size >= maxCompiled) {
    const [oldestKey, oldest] = compiled.entries().next().value as [string, { schema: Record<string, unknown> }];
    compiled.delete(oldestKey);
    // ajv caches every compiled schema object too; drop it there as well, or the bound means nothing.
    ajv.removeSchema(oldest.schema);
  }
  compiled.set(key, { schema, validate });
  return validate;
}

const jsonSchemaSchema = z.record(z.string(), z.unknown()).superRefine((schema, issues) => {
  if (!ajv.validateSchema(schema)) {
    for (const error of ajv.errors ?? []) {
      issues.addIssue({ code: 'custom', message: `Not a valid JSON Schema: ${error.instancePath || '/'} ${error.message ?? 'is invalid'}` });
    }
    return;
  }
  try {
    validatorOf(schema);
  } catch (error) {
    issues.addIssue({ code: 'custom', message: `The JSON Schema does not compile: ${(error as Error).message}` });
  }
});

export const dataValidateConfigSchema = z.object({
  /** A JSON Schema (draft 2020-12). */
  schema: jsonSchemaSchema,
  /** What to validate, usually an expression: `{{ trigger.body }}`. Defaults to the input. */
  data: z.unknown().optional(),
});

export interface ValidationFailure {
  /** JSON Pointer to the offending value, `""` for the whole value. */
  path: string;
  message: string;
}

/** Errors read by people: where, and what is wrong there. */
function failuresOf(errors: readonly ErrorObject[]): ValidationFailure[] {
  return errors.map((error) => {
    const missing = error.keyword === 'required' ? (error.params as { missingProperty?: string }).missingProperty : undefined;
    const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty?: string }).additionalProperty : undefined;
    const message = extra === undefined ? (error.message ?? 'is invalid') : `must NOT have additional property "${extra}"`;
    return { path: missing === undefined ? error.instancePath : `${error.instancePath}/${missing}`, message };
  });
}

/** Checks data against a JSON Schema and continues on `valid` or `invalid`. */
export const dataValidateNode = defineNode({
  type: 'data.validate',
  version: 1,
  title: 'Validate',
  description: 'Checks data against a JSON Schema and continues on "valid" or "invalid".',
  category: 'Data',
  icon: 'shield-check',
  configSchema: dataValidateConfigSchema,
  outputs: [
    { id: 'valid', label: 'Valid', description: 'The data, unchanged.' },
    { id: 'invalid', label: 'Invalid', description: 'The data and the list of errors.' },
  ],
  exclusiveOutputs: true,
  sideEffects: false,
  sampleOutput: { id: 1 },
  run: ({ config, input }) => {
    const data = config.data === undefined ? input : config.data;
    const validate = validatorOf(config.schema);
    if (validate(data)) return routeTo('valid', data);
    return routeTo('invalid', { data, errors: failuresOf(validate.errors ?? []) });
  },
});
