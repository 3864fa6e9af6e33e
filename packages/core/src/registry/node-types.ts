import type { z } from 'zod';
import type { WorkflowInput } from '../model/workflow-schema';
import type { delayConfigSchema } from '../nodes/core-delay';
import type { forEachConfigSchema } from '../nodes/core-for-each';
import type { ifConfigSchema } from '../nodes/core-if';
import type { manualTriggerConfigSchema } from '../nodes/core-manual';
import type { mergeConfigSchema } from '../nodes/core-merge';
import type { setVariablesConfigSchema } from '../nodes/core-set-variables';
import type { subWorkflowConfigSchema } from '../nodes/core-sub-workflow';
import type { switchConfigSchema } from '../nodes/core-switch';
import type { terminateConfigSchema } from '../nodes/core-terminate';
import type { waitForEventConfigSchema } from '../nodes/core-wait-for-event';

/**
 * Node type id → config as a user writes it. Packages add their types by
 * declaration merging, so workflow definitions written in code are checked:
 *
 * @example
 * ```ts
 * declare module '@pipewright/core' {
 *   interface NodeTypes { 'text.uppercase': { text: string } }
 * }
 * ```
 */
export interface NodeTypes {
  'core.manual': z.input<typeof manualTriggerConfigSchema>;
  'core.if': z.input<typeof ifConfigSchema>;
  'core.switch': z.input<typeof switchConfigSchema>;
  'core.merge': z.input<typeof mergeConfigSchema>;
  'core.forEach': z.input<typeof forEachConfigSchema>;
  'core.delay': z.input<typeof delayConfigSchema>;
  'core.waitForEvent': z.input<typeof waitForEventConfigSchema>;
  'core.subWorkflow': z.input<typeof subWorkflowConfigSchema>;
  'core.terminate': z.input<typeof terminateConfigSchema>;
  'core.setVariables': z.input<typeof setVariablesConfigSchema>;
}

/** A known node type id, or any other string for types loaded at run time. */
export type NodeTypeId = keyof NodeTypes | (string & {});

/** A string holding a `{{ }}` template, e.g. `"{{ trigger.amount }}"`. */
export type TemplateString = `${string}{{${string}}}${string}`;

/**
 * A value as written in a config: itself, or a template that produces it at run time.
 * Non-string fields (numbers, enums, objects) accept only template strings, so a typo in
 * an enum is still a type error.
 */
export type Templated<T> = string extends T
  ? T
  : T extends string
    ? T | TemplateString
    : T extends readonly (infer Item)[]
      ? readonly Templated<Item>[] | TemplateString
      : T extends object
        ? { [K in keyof T]: Templated<T[K]> } | TemplateString
        : T | TemplateString;

type NodeInput = WorkflowInput['nodes'][number];

/** Each field templatable; distributes over unions so discriminated configs keep their variants. */
type TemplatedConfig<Config> = Config extends object ? { [K in keyof Config]: Templated<Config[K]> } : never;

/** A workflow node whose config is checked against its type, when the type is known. */
export type TypedWorkflowNode = {
  [Type in keyof NodeTypes]: Omit<NodeInput, 'type' | 'config'> & { type: Type; config: TemplatedConfig<NodeTypes[Type]> };
}[keyof NodeTypes];

export type TypedWorkflowInput = Omit<WorkflowInput, 'nodes'> & { nodes: TypedWorkflowNode[] };

/**
 * Writes a workflow definition in code with each node's config typed by its node type.
 * Returns the definition unchanged; `compile` is what validates it.
 *
 * @example
 * ```ts
 * const workflow = defineWorkflow({
 *   id: 'wf', name: 'Example', edges: [{ id: 'e1', source: 'start', target: 'check' }],
 *   nodes: [
 *     { id: 'start', type: 'core.manual', config: {} },
 *     { id: 'check', type: 'core.if', config: { condition: '{{ trigger.ok }}' } },
 *   ],
 * });
 * ```
 */
export function defineWorkflow(workflow: TypedWorkflowInput): WorkflowInput {
  return workflow as WorkflowInput;
}
