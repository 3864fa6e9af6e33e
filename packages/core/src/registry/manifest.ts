import { z } from 'zod';
import type { AuthSpec } from './auth-spec';
import type { HandleSpec } from './handles';
import type { DynamicOutputsSpec, NodeDefinition, TriggerSource } from './node-definition';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One node type as the builder sees it: plain JSON, no functions. */
export interface NodeManifestEntry {
  type: string;
  version: number;
  kind: NodeDefinition['kind'];
  title: string;
  description: string;
  category: string;
  icon?: string;
  connectorId?: string;
  triggerSource?: TriggerSource;
  /** JSON Schema (draft 2020-12) of the config as a user writes it. */
  configSchema: { [key: string]: JsonValue };
  inputs: HandleSpec[];
  outputs: HandleSpec[];
  dynamicOutputs?: DynamicOutputsSpec;
  exclusiveOutputs: boolean;
  sideEffects: boolean;
  sampleOutput?: JsonValue;
  migratable: boolean;
}

export interface ConnectorManifestEntry {
  id: string;
  name: string;
  description?: string;
  icon?: string;
  auth: AuthSpec;
  nodeTypes: string[];
}

/** Everything a browser needs to draw and validate workflows, as plain JSON. */
export interface RegistryManifest {
  manifestVersion: 1;
  nodes: NodeManifestEntry[];
  connectors: ConnectorManifestEntry[];
}

/** A JSON copy that drops `undefined`, so the manifest survives a JSON round trip unchanged. */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

export function configJsonSchema(schema: z.ZodType): { [key: string]: JsonValue } {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return toJson(jsonSchema) as { [key: string]: JsonValue };
}

export function nodeManifestEntry(definition: NodeDefinition, connectorId: string | undefined): NodeManifestEntry {
  const entry: NodeManifestEntry = {
    type: definition.type,
    version: definition.version,
    kind: definition.kind,
    title: definition.title,
    description: definition.description,
    category: definition.category,
    configSchema: configJsonSchema(definition.configSchema),
    inputs: definition.inputs.map((handle) => toJson(handle) as unknown as HandleSpec),
    outputs: definition.outputs.map((handle) => toJson(handle) as unknown as HandleSpec),
    exclusiveOutputs: definition.exclusiveOutputs ?? false,
    sideEffects: definition.sideEffects,
    migratable: definition.migrate !== undefined,
  };
  if (definition.icon !== undefined) entry.icon = definition.icon;
  if (connectorId !== undefined) entry.connectorId = connectorId;
  if (definition.kind === 'trigger') entry.triggerSource = definition.source;
  if (definition.dynamicOutputs !== undefined) entry.dynamicOutputs = toJson(definition.dynamicOutputs) as unknown as DynamicOutputsSpec;
  if (definition.sampleOutput !== undefined) entry.sampleOutput = toJson(definition.sampleOutput);
  return entry;
}
