import { z } from 'zod';
import { credentialsInputSchema } from '../../connections/credentials';
import { idSchema, isoTimeSchema, jsonValueSchema, pageQuerySchema, recordedErrorSchema, validationIssueSchema } from './common-schemas';

const connectionNameSchema = z.string().trim().min(1).max(191);

export const connectionSchemaOnWire = z
  .object({
    id: z.string(),
    connectorId: z.string(),
    name: z.string(),
    authType: z.string(),
    summary: z.record(z.string(), z.string()).describe('Masked: never the secret'),
    expiresAt: isoTimeSchema.optional(),
    version: z.number().int(),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
  })
  .meta({ id: 'Connection' });

export const connectionParamsSchema = z.object({ connectionId: idSchema });

export const listConnectionsQuerySchema = pageQuerySchema.extend({ connectorId: idSchema.optional() });

export const createConnectionBodySchema = z.object({ connectorId: idSchema, name: connectionNameSchema, credentials: credentialsInputSchema });

export const updateConnectionBodySchema = z.object({ name: connectionNameSchema.optional(), credentials: credentialsInputSchema.optional() });

export const connectionTestResultSchema = z
  .union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) })])
  .meta({ id: 'ConnectionTestResult' });

export const authorizeBodySchema = z.object({
  connectorId: idSchema,
  name: connectionNameSchema,
  redirectUri: z.url({ protocol: /^https?$/ }).max(2_000),
  scopes: z.array(z.string().min(1).max(200)).max(100).optional(),
  connectionId: idSchema.optional().describe('Reconnect this connection instead of creating one'),
});

export const authorizationSchema = z.object({ url: z.string(), state: z.string(), expiresAt: isoTimeSchema }).meta({ id: 'Authorization' });

export const oauth2CallbackQuerySchema = z.object({
  state: z.string().min(1).max(2_000).optional(),
  code: z.string().min(1).max(10_000).optional(),
  error: z.string().max(200).optional().describe("The provider's error code when the user declined"),
  error_description: z.string().max(2_000).optional(),
});

export const auditEntrySchema = z
  .object({ id: z.string(), at: isoTimeSchema, action: z.string(), connectionId: z.string(), actor: z.record(z.string(), z.unknown()), detail: z.record(z.string(), z.string()).optional() })
  .meta({ id: 'AuditEntry' });

export const auditQuerySchema = pageQuerySchema;

export const rotatedSecretSchema = z
  .object({ connection: connectionSchemaOnWire, secret: z.string().describe('The new secret: shown once, give it to the sender') })
  .meta({ id: 'RotatedSecret' });

export const testActionBodySchema = z.object({
  type: idSchema.describe('Node type of the action'),
  config: jsonValueSchema,
  connectionId: idSchema.optional(),
  input: jsonValueSchema.optional(),
  timeoutMs: z.number().int().min(1).max(300_000).optional(),
});

const stepLogSchema = z.object({ ts: isoTimeSchema, level: z.enum(['debug', 'info', 'warn', 'error']), msg: z.string() });

export const testActionResultSchema = z
  .union([
    z.object({ ok: z.literal(true), output: jsonValueSchema, handle: z.string().optional(), logs: z.array(stepLogSchema), durationMs: z.number() }),
    z.object({ ok: z.literal(false), error: recordedErrorSchema, logs: z.array(stepLogSchema), durationMs: z.number() }),
    z.object({ ok: z.literal(false), issues: z.array(validationIssueSchema) }),
  ])
  .meta({ id: 'TestActionResult' });
