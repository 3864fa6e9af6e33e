import {
  coreNodes,
  createEngine,
  createLocalKeyRing,
  createRegistry,
  generateKeyEncryptionKey,
  SecretVault,
  type ConnectorDefinition,
  type CredentialsInput,
  type RecordedError,
  type RunView,
} from '@pipewright/core';

export interface ActionOutcome {
  status: RunView['status'];
  output: unknown;
  error: RecordedError | undefined;
  /** Attempts the step took (retries show here). */
  attempts: number;
  view: RunView;
}

/**
 * Runs one action of a connector the way a workflow does: an engine with a vault, a
 * connection holding `credentials` (named in the config as `connection`), a run of
 * `manual → action`, to the end. Auth, retries, redaction and config validation are the
 * real ones.
 */
export async function runAction(
  connector: ConnectorDefinition,
  type: string,
  config: Record<string, unknown>,
  options: { credentials?: CredentialsInput; input?: unknown; retry?: { maxAttempts: number }; fetch?: typeof fetch } = {},
): Promise<ActionOutcome> {
  const engine = createEngine({
    registry: createRegistry([...coreNodes, connector]),
    vault: new SecretVault(createLocalKeyRing({ keys: { k1: generateKeyEncryptionKey() } })),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const ctx = { tenantId: 'test' };
  const nodeConfig = { ...config };
  if (options.credentials) {
    const connection = await engine.connections.create(ctx, { connectorId: connector.id, name: 'test', credentials: options.credentials });
    nodeConfig['connection'] = connection.id;
  }
  const retry = options.retry ? { maxAttempts: options.retry.maxAttempts, backoff: 'fixed' as const, initialDelayMs: 10, jitter: 'none' as const } : { maxAttempts: 1 };
  const { diagnostics } = await engine.workflows.save(ctx, {
    id: 'action',
    name: 'action',
    nodes: [
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'action', type, config: nodeConfig, retry },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'action' }],
  });
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) throw Object.assign(new Error(`The action's config does not compile: ${errors.map((d) => `${d.code} ${JSON.stringify(d.path)} ${d.message}`).join('; ')}`), { diagnostics: errors });
  await engine.workflows.publish(ctx, 'action');
  engine.start();
  try {
    const { runId } = await engine.runs.start(ctx, { workflowId: 'action' }, options.input ?? {});
    for (let waited = 0; waited < 30_000; waited += 10) {
      const view = await engine.runs.get(ctx, runId);
      if (view.status === 'succeeded' || view.status === 'failed') {
        const step = view.steps.find((entry) => entry.nodeId === 'action');
        return { status: view.status, output: step?.output, error: step?.error, attempts: step?.attempts ?? 0, view };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('The action did not finish within 30 s');
  } finally {
    await engine.stop();
  }
}
