import { z } from 'zod';
import { workflowSchema } from './workflow-schema';

/**
 * JSON Schema (draft 2020-12) of a workflow definition as a user writes it, for
 * editors and for the HTTP API's OpenAPI document.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(workflowSchema, { io: 'input' }) as Record<string, unknown>;
}
