import type { NodeContext, NodeLogger } from '@pipewright/core';

export type LogLevel = keyof NodeLogger;

export interface LogEntry {
  level: LogLevel;
  message: string;
  data: Record<string, unknown> | undefined;
}

/** A logger that records every call, for assertions. */
export function recordingLogger(): { logger: NodeLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record =
    (level: LogLevel) =>
    (message: string, data?: Record<string, unknown>): void => {
      entries.push({ level, message, data });
    };
  return { logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, entries };
}

/**
 * A `NodeContext` as the runtime builds it, for calling a node's `run` in a test.
 * Pass `config` through the node's `configSchema` first, as the runtime does, so
 * defaults are applied: `nodeContext(node.configSchema.parse(raw), input)`.
 */
export function nodeContext<Config>(config: Config, input: unknown, overrides: Partial<NodeContext<Config>> = {}): NodeContext<Config> {
  return {
    config,
    input,
    inputs: [{ nodeId: 'upstream', handle: 'out', output: input }],
    signal: new AbortController().signal,
    idempotencyKey: 'run-1:node-1:0',
    logger: recordingLogger().logger,
    run: { id: 'run-1', workflowId: 'workflow-1', startedAt: '2025-01-01T00:00:00.000Z' },
    node: { id: 'node-1', type: 'test.node' },
    attempt: 1,
    fetch: (input, init) => globalThis.fetch(input, init),
    ...overrides,
  };
}
