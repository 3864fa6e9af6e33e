import { z } from 'zod';
import type { ConnectionsCore } from '../connections/connections-core';
import { openStepConnection, type OpenStepConnection } from '../connections/step-connection';
import { PipewrightError } from '../errors/pipewright-error';
import { asConnectionId, asTenantId, newId } from '../ids';
import { fromZodIssues, type ValidationIssue } from '../model/validation-issue';
import type { NodeContext, NodeLogger } from '../registry/node-context';
import { isRoutedOutput } from '../registry/node-context';
import { classifyRedacted, redactStepResult, RedactedFailure } from './redact-step-result';
import type { RecordedError, StepLogEntry } from './run-events';
import type { TenantContext } from './workflows-api';

export type TestActionResult =
  | { ok: true; output: unknown; handle?: string; logs: StepLogEntry[]; durationMs: number }
  | { ok: false; error: RecordedError; logs: StepLogEntry[]; durationMs: number }
  | { ok: false; issues: ValidationIssue[] };

export interface ConnectorsApi {
  /**
   * Runs one action for real, outside any workflow (the builder's "Test step"): its
   * config is validated as given (no templates), the connection (if any) is the
   * tenant's, and what it returns, logs or throws is redacted like a step's.
   */
  testAction(ctx: TenantContext, request: { type: string; config: unknown; connectionId?: string; input?: unknown; timeoutMs?: number }): Promise<TestActionResult>;
}

const requestSchema = z.object({ type: z.string().min(1), config: z.unknown(), connectionId: z.string().min(1).optional(), input: z.unknown().optional(), timeoutMs: z.number().int().min(1).max(300_000).default(30_000) });

export function createConnectorsApi(core: ConnectionsCore): ConnectorsApi {
  return {
    async testAction(ctx, raw) {
      const request = requestSchema.parse(raw);
      const registered = core.registry.get(request.type);
      if (registered?.definition.kind !== 'action') throw new PipewrightError('unknown_node_type', `No action of type ${request.type} is installed`);
      const { definition, connector } = registered as { definition: typeof registered.definition & { kind: 'action' }; connector?: typeof registered.connector };
      const withConnection = request.connectionId === undefined ? request.config : { ...(request.config as Record<string, unknown>), connection: request.connectionId };
      const parsed = definition.configSchema.safeParse(withConnection);
      if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues, ['config']) };
      const tenantId = asTenantId(ctx.tenantId);
      let connection: OpenStepConnection | undefined;
      if (request.connectionId !== undefined && connector) {
        connection = await openStepConnection(core, connector, tenantId, asConnectionId(request.connectionId), { type: 'user' }, definition.anyConnection === true);
      }
      const logs: StepLogEntry[] = [];
      const write = (level: StepLogEntry['level']) => (msg: string, data?: Record<string, unknown>) => {
        logs.push(data === undefined ? { ts: core.clock.now(), level, msg } : { ts: core.clock.now(), level, msg, data });
      };
      const logger: NodeLogger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
      const started = core.clock.now();
      const nodeContext: NodeContext<unknown> = {
        config: parsed.data,
        input: request.input,
        inputs: request.input === undefined ? [] : [{ nodeId: 'input', handle: 'main', output: request.input }],
        signal: AbortSignal.timeout(request.timeoutMs),
        idempotencyKey: newId('test'),
        logger,
        run: { id: 'test', workflowId: 'test', startedAt: new Date(started).toISOString() },
        node: { id: 'test', type: request.type },
        attempt: 1,
        fetch: core.fetch,
      };
      if (connection) nodeContext.connection = connection;
      let result;
      try {
        const value = await definition.run(nodeContext);
        const durationMs = core.clock.now() - started;
        result = isRoutedOutput(value) ? { ok: true as const, output: value.output, handle: value.handle, durationMs, logs } : { ok: true as const, output: value, durationMs, logs };
      } catch (thrown) {
        result = { ok: false as const, thrown, durationMs: core.clock.now() - started, logs };
      }
      const redactor = core.knownSecrets.redactor().withSecrets(connection?.secretValues() ?? []);
      const redacted = redactStepResult(result, redactor, core.clock.now());
      const redactedLogs = redacted.logs ?? [];
      if (redacted.ok) {
        const answer: TestActionResult = { ok: true, output: redacted.output, logs: redactedLogs, durationMs: redacted.durationMs };
        if (redacted.handle !== undefined) answer.handle = redacted.handle;
        return answer;
      }
      const classified = redacted.thrown instanceof RedactedFailure ? redacted.thrown.classified : classifyRedacted(redacted.thrown, redactor, core.clock.now());
      return { ok: false, error: classified.error, logs: redactedLogs, durationMs: redacted.durationMs };
    },
  };
}
