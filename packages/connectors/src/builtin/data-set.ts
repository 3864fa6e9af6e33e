import { cloneJson, defineNode } from '@pipewright/core';
import { z } from 'zod';
import { dotPathSchema, parseDotPath } from './dot-path';
import { getAt, removeAt, setAt, type OwnedContainers } from './object-path';

const setOperationSchema = z.object({
  op: z.literal('set'),
  path: dotPathSchema,
  /** Any JSON value, often an expression: `{{ steps.lookup.output.id }}`. */
  value: z.unknown(),
});

const renameOperationSchema = z.object({
  op: z.literal('rename'),
  from: dotPathSchema,
  to: dotPathSchema,
});

const removeOperationSchema = z.object({
  op: z.literal('remove'),
  path: dotPathSchema,
});

export const dataSetOperationSchema = z.discriminatedUnion('op', [setOperationSchema, renameOperationSchema, removeOperationSchema]);

export const dataSetConfigSchema = z.object({
  /** Applied in order, each one to the result of the previous one. */
  operations: z.array(dataSetOperationSchema).min(1).max(1_000),
  /** Start from a copy of the input (when it is an object) or from `{}`. */
  keepInput: z.boolean().default(true),
});

export type DataSetOperation = z.output<typeof dataSetOperationSchema>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function apply(target: Record<string, unknown>, operation: DataSetOperation, owned: OwnedContainers): void {
  switch (operation.op) {
    case 'set':
      // A copy, so the output never shares objects with the config (or with another `set`).
      setAt(target, parseDotPath(operation.path), cloneJson(operation.value), owned);
      return;
    case 'rename': {
      const from = parseDotPath(operation.from);
      const current = getAt(target, from);
      if (!current.found) return;
      removeAt(target, from, owned);
      setAt(target, parseDotPath(operation.to), current.value, owned);
      return;
    }
    case 'remove':
      removeAt(target, parseDotPath(operation.path), owned);
      return;
  }
}

/**
 * Sets, renames and removes fields of its input by dot path (`a.b[0].c`). The input,
 * which is also another step's output, is never changed: the output copies the
 * containers on the changed paths and shares the rest with the input (step outputs
 * are immutable values).
 */
export const dataSetNode = defineNode({
  type: 'data.set',
  version: 1,
  title: 'Set fields',
  description: 'Sets, renames and removes fields of the input object by path.',
  category: 'Data',
  icon: 'pencil',
  configSchema: dataSetConfigSchema,
  sideEffects: false,
  sampleOutput: { id: 42, customer: { email: 'ada@example.com' }, status: 'active' },
  run: ({ config, input }) => {
    const target: Record<string, unknown> = config.keepInput && isPlainObject(input) ? { ...input } : {};
    const owned: OwnedContainers = new Set([target]);
    for (const operation of config.operations) apply(target, operation, owned);
    return target;
  },
});
