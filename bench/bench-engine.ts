import { builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createEngine, createRegistry, type Engine, type EngineLogger } from '@pipewright/core';
import type { Storage } from '@pipewright/storage-adapters';
import { describeError } from './bench-stats';

export const benchRegistry = createRegistry([...coreNodes, ...builtinConnectors]);

/**
 * What the engine logged as errors. The engine retries a job that failed to advance its
 * run (a deadlock, a lost connection), so such errors slow a benchmark down without
 * failing a run; they are counted so that the report can say what happened.
 */
export class LoggedErrors implements EngineLogger {
  count = 0;
  first: string | undefined;

  debug(): void {}
  info(): void {}
  warn(): void {}
  error(message: string, data?: Record<string, unknown>): void {
    this.count++;
    this.first ??= data?.['error'] === undefined ? message : `${message}: ${describeError(data['error'])}`;
  }

  /** A note for the output, or undefined when nothing was logged. */
  summary(): string | undefined {
    return this.count === 0 ? undefined : `the engine logged ${this.count} error(s); first: ${this.first ?? ''}`;
  }
}

/** An engine on SQL storage with the benchmark's node types. */
export function engineOn(storage: Storage, options: { concurrency?: number; logger?: EngineLogger } = {}): Engine {
  return createEngine({ registry: benchRegistry, store: storage.store, queue: storage.queue, concurrency: options.concurrency ?? 16, ...(options.logger ? { logger: options.logger } : {}) });
}
