import { z } from 'zod';
import { idSchema, isoTimeSchema, validationIssueSchema } from './common-schemas';

/**
 * A workflow definition as the builder writes it. The wire schema takes any object so
 * that a definition with mistakes reaches the compiler and comes back as diagnostics;
 * the OpenAPI document shows the full `Workflow` schema for it.
 */
export const workflowDefinitionSchema = z.record(z.string(), z.unknown()).describe('A workflow definition (see the Workflow schema)');

export const diagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const workflowSchemaOnWire = z
  .object({
    id: z.string(),
    name: z.string(),
    draft: workflowDefinitionSchema,
    latestVersion: z.number().int().min(0).describe('Newest published version, 0 before the first publish'),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
    diagnostics: z.array(diagnosticSchema).optional().describe("The draft's compiler diagnostics (on GET /workflows/{workflowId})"),
  })
  .meta({ id: 'WorkflowRecord' });

export const workflowSummarySchema = z
  .object({ id: z.string(), name: z.string(), latestVersion: z.number().int().min(0), createdAt: isoTimeSchema, updatedAt: isoTimeSchema })
  .meta({ id: 'WorkflowSummary' });

export const workflowVersionSchema = z
  .object({ id: z.string(), workflowId: z.string(), version: z.number().int().min(1), definition: workflowDefinitionSchema, createdAt: isoTimeSchema })
  .meta({ id: 'WorkflowVersion' });

export const workflowVersionSummarySchema = z.object({ id: z.string(), version: z.number().int().min(1), createdAt: isoTimeSchema });

export const savedWorkflowSchema = z.object({ workflow: workflowSchemaOnWire, diagnostics: z.array(diagnosticSchema) }).meta({ id: 'SavedWorkflow' });

export const validationResultSchema = z.object({ ok: z.boolean(), diagnostics: z.array(diagnosticSchema) }).meta({ id: 'ValidationResult' });

export const workflowParamsSchema = z.object({ workflowId: idSchema });

export const saveWorkflowBodySchema = z.object({ definition: workflowDefinitionSchema });

/** A version number, or `draft` for the unpublished draft. */
export const versionRefSchema = z.union([z.literal('draft'), z.coerce.number().int().min(1)]);

export const diffQuerySchema = z.object({
  from: versionRefSchema.describe('A version number or `draft`'),
  to: versionRefSchema.optional().describe('A version number or `draft` (default: the latest version)'),
});

const edgeRefSchema = z.object({ id: z.string().optional(), source: z.string(), target: z.string(), sourceHandle: z.string().optional(), targetHandle: z.string().optional() });

export const workflowDiffSchemaOnWire = z
  .object({
    from: z.union([z.literal('draft'), z.number().int()]),
    to: z.union([z.literal('draft'), z.number().int()]),
    nodes: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.object({ nodeId: z.string(), fields: z.array(z.string()) })) }),
    edges: z.object({ added: z.array(edgeRefSchema), removed: z.array(edgeRefSchema) }),
    settingsChanged: z.boolean(),
    nameChanged: z.boolean(),
    identical: z.boolean(),
  })
  .meta({ id: 'WorkflowDiff' });

/** The file format of an exported workflow. */
export const workflowExportSchema = z
  .object({
    format: z.literal('pipewright.workflow'),
    formatVersion: z.literal(1),
    exportedAt: isoTimeSchema,
    workflow: workflowDefinitionSchema,
  })
  .meta({ id: 'WorkflowExport' });

export const importWorkflowBodySchema = z.object({
  document: workflowExportSchema.describe('An exported workflow'),
  id: idSchema.optional().describe('Import under this id instead of the one in the document'),
  overwrite: z.boolean().optional().describe('Replace the draft of an existing workflow with this id (default false: 409)'),
});

export const migrationResultSchema = z
  .object({
    workflow: workflowSchemaOnWire,
    migrated: z.array(z.object({ nodeId: z.string(), type: z.string(), fromVersion: z.number().int(), toVersion: z.number().int() })),
    issues: z.array(z.object({ nodeId: z.string(), code: z.string(), message: z.string() })),
    diagnostics: z.array(diagnosticSchema),
  })
  .meta({ id: 'MigrationResult' });

export const triggerSchemaOnWire = z
  .object({
    workflowId: z.string(),
    nodeId: z.string(),
    versionId: z.string(),
    kind: z.string(),
    nodeType: z.string(),
    path: z.string().optional().describe('Webhook: the last path segment of its URL'),
    url: z.string().optional().describe('Webhook: its full URL, when the API knows where webhooks are mounted'),
    eventName: z.string().optional(),
  })
  .meta({ id: 'Trigger' });

export const issuesSchema = z.array(validationIssueSchema);
