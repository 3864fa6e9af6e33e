import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { fromZodIssues } from '../model/validation-issue';
import { handleIdSchema, nodeTypeIdSchema } from '../model/workflow-schema';
import { authSpecSchema } from './auth-spec';
import type { ConnectorDefinition } from './connector-definition';
import { nodeManifestEntry, type ConnectorManifestEntry, type RegistryManifest } from './manifest';
import type { NodeDefinition } from './node-definition';
import { breakerOptionsSchema } from '../reliability/circuit-breaker';
import { rateLimitOptionsSchema } from '../reliability/rate-limiter';

/** A registered node type and the connector it came from, if any. */
export interface RegisteredNode {
  definition: NodeDefinition;
  connector?: ConnectorDefinition;
}

export interface Registry {
  get(type: string): RegisteredNode | undefined;
  has(type: string): boolean;
  /** Every registered node type, in registration order. */
  list(): readonly RegisteredNode[];
  connectors(): readonly ConnectorDefinition[];
  /** Plain JSON for the builder; computed once, then shared (do not mutate it). */
  manifest(): RegistryManifest;
}

export type RegistryEntry = NodeDefinition | ConnectorDefinition;

const handleListSchema = z
  .array(z.object({ id: handleIdSchema, label: z.string().optional(), description: z.string().optional() }))
  .refine((handles) => new Set(handles.map((handle) => handle.id)).size === handles.length, 'Handle ids must be unique');

const nodeDefinitionShape = z.object({
  type: nodeTypeIdSchema,
  version: z.number().int().min(1),
  title: z.string().min(1),
  description: z.string(),
  category: z.string().min(1),
  icon: z.string().optional(),
  kind: z.enum(['action', 'control', 'trigger']),
  configSchema: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'configSchema must be a zod schema'),
  inputs: handleListSchema,
  outputs: handleListSchema.refine(
    (handles) => !handles.some((handle) => handle.id === 'error'),
    'The "error" output is reserved for onError: "route"',
  ),
  sideEffects: z.boolean(),
});

const connectorShape = z.object({
  id: z.string().regex(/^[a-z][a-zA-Z0-9-]*$/, 'Expected a lower-case connector id'),
  name: z.string().min(1),
  auth: authSpecSchema,
  breaker: z.union([z.literal(false), breakerOptionsSchema]).optional(),
  rateLimit: rateLimitOptionsSchema.optional(),
});

function isConnector(entry: RegistryEntry): entry is ConnectorDefinition {
  return 'nodes' in entry && 'triggers' in entry;
}

function assertValidNode(definition: NodeDefinition): void {
  const parsed = nodeDefinitionShape.safeParse(definition);
  if (!parsed.success) {
    throw new PipewrightError('invalid_node_definition', `Invalid definition of node type "${String(definition.type)}"`, {
      details: { type: definition.type, issues: fromZodIssues(parsed.error.issues) },
    });
  }
  if (definition.kind === 'trigger' && definition.inputs.length > 0) {
    throw new PipewrightError('invalid_node_definition', `Trigger "${definition.type}" cannot have inputs`, {
      details: { type: definition.type },
    });
  }
}

/**
 * Builds the run-time registry of node types from node definitions and connectors.
 * A type registered twice is an error, whichever connector it comes from.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...coreNodes, slackConnector]);
 * registry.get('core.if')?.definition.title; // "If"
 * ```
 */
export function createRegistry(entries: readonly RegistryEntry[]): Registry {
  const byType = new Map<string, RegisteredNode>();
  const connectors: ConnectorDefinition[] = [];

  const add = (definition: NodeDefinition, connector?: ConnectorDefinition): void => {
    assertValidNode(definition);
    const existing = byType.get(definition.type);
    if (existing) {
      throw new PipewrightError('duplicate_node_type', `Node type "${definition.type}" is registered twice`, {
        details: { type: definition.type, firstConnector: existing.connector?.id, secondConnector: connector?.id },
      });
    }
    byType.set(definition.type, connector ? { definition, connector } : { definition });
  };

  for (const entry of entries) {
    if (!isConnector(entry)) {
      add(entry);
      continue;
    }
    const parsed = connectorShape.safeParse(entry);
    if (!parsed.success) {
      throw new PipewrightError('invalid_node_definition', `Invalid connector "${String(entry.id)}"`, {
        details: { connector: entry.id, issues: fromZodIssues(parsed.error.issues) },
      });
    }
    if (connectors.some((known) => known.id === entry.id)) {
      throw new PipewrightError('duplicate_connector', `Connector "${entry.id}" is registered twice`, { details: { connector: entry.id } });
    }
    connectors.push(entry);
    for (const definition of [...entry.nodes, ...entry.triggers]) {
      if (!definition.type.startsWith(`${entry.id}.`)) {
        throw new PipewrightError('invalid_node_definition', `Node type "${definition.type}" must start with "${entry.id}."`, {
          details: { type: definition.type, connector: entry.id },
        });
      }
      add(definition, entry);
    }
  }

  const registered = [...byType.values()];
  let manifest: RegistryManifest | undefined;

  return {
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
    list: () => registered,
    connectors: () => connectors,
    manifest() {
      manifest ??= {
        manifestVersion: 1,
        nodes: registered.map(({ definition, connector }) => nodeManifestEntry(definition, connector?.id)),
        connectors: connectors.map((connector): ConnectorManifestEntry => {
          const entry: ConnectorManifestEntry = {
            id: connector.id,
            name: connector.name,
            auth: JSON.parse(JSON.stringify(connector.auth)) as ConnectorManifestEntry['auth'],
            nodeTypes: [...connector.nodes, ...connector.triggers].map((definition) => definition.type),
          };
          if (connector.description !== undefined) entry.description = connector.description;
          if (connector.icon !== undefined) entry.icon = connector.icon;
          return entry;
        }),
      };
      return manifest;
    },
  };
}
