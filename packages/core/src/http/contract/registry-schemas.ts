import { z } from 'zod';

/**
 * The registry manifest on the wire (`registry.manifest()` as is). The fields a client
 * lays out a palette and a config form by are spelled out; the rest passes through.
 */
export const registryManifestSchema = z
  .object({
    manifestVersion: z.literal(1),
    nodes: z.array(
      z
        .object({
          type: z.string(),
          version: z.number().int(),
          kind: z.enum(['trigger', 'action', 'control']),
          title: z.string(),
          description: z.string(),
          category: z.string(),
          configSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of the config as a user writes it'),
          sideEffects: z.boolean(),
        })
        .catchall(z.unknown()),
    ),
    connectors: z.array(z.object({ id: z.string(), name: z.string(), nodeTypes: z.array(z.string()) }).catchall(z.unknown())),
  })
  .meta({ id: 'RegistryManifest' });
