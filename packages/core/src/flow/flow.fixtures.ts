import { z } from 'zod';
import { FatalError } from '../errors/step-errors';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import type { EngineOptions } from '../runtime/engine';
import { createTestEngine, type TestEngine } from '../testing/test-engine';

/*
 * Shared by the flow-control tests: node types that hold a run until the test lets it
 * go (and count how many runs they hold at once), record what runs received, and fail
 * while a switch is on. Not exported from the package.
 */

export interface FlowHarness {
  engine: TestEngine;
  /** Run ids whose `test.hold` step is blocked now, in the order they got there. */
  held(): string[];
  /** The most runs ever held at once. */
  readonly maxHeld: number;
  /** Lets the held step of `runId` finish. */
  release(runId: string): void;
  /** Inputs `test.record` steps received, in order. */
  recorded: unknown[];
  /** Executions per node id. */
  count(nodeId: string): number;
  /** While true, `test.flaky` steps fail (fatally, so the run fails at once). */
  failing: boolean;
  /** Lets the engine work, without moving time, until `predicate` holds. */
  until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void>;
  /** Log lines written at `warn`. */
  warnings: string[];
}

export function createFlowHarness(options: Pick<EngineOptions, 'tenantConcurrency'> = {}): FlowHarness {
  const gates = new Map<string, () => void>();
  const held: string[] = [];
  const calls = new Map<string, number>();
  let maxHeld = 0;
  const note = (nodeId: string): void => void calls.set(nodeId, (calls.get(nodeId) ?? 0) + 1);

  const hold = defineNode({
    type: 'test.hold',
    version: 1,
    title: 'Hold',
    description: 'Blocks until the test releases the run',
    category: 'Test',
    configSchema: z.object({}),
    // Side effects: the step's start is stored first, so a held run shows as `running`.
    sideEffects: true,
    run: async ({ input, run, node }) => {
      note(node.id);
      held.push(run.id);
      maxHeld = Math.max(maxHeld, held.length);
      try {
        await new Promise<void>((resolve) => gates.set(run.id, resolve));
      } finally {
        held.splice(held.indexOf(run.id), 1);
        gates.delete(run.id);
      }
      return input;
    },
  });
  const recorded: unknown[] = [];
  const record = defineNode({
    type: 'test.record',
    version: 1,
    title: 'Record',
    description: 'Notes its input',
    category: 'Test',
    configSchema: z.object({}),
    sideEffects: false,
    run: ({ input, node }) => {
      note(node.id);
      recorded.push(input);
      return input;
    },
  });
  const flaky = defineNode({
    type: 'test.flaky',
    version: 1,
    title: 'Flaky',
    description: 'Fails while the test says so',
    category: 'Test',
    configSchema: z.object({}),
    sideEffects: false,
    run: ({ input, node }) => {
      note(node.id);
      if (harness.failing) throw new FatalError('The service is down');
      return input;
    },
  });

  const warnings: string[] = [];
  const logger = { debug: () => undefined, info: () => undefined, warn: (message: string) => void warnings.push(message), error: () => undefined };
  const registry = createRegistry([...coreNodes, hold, record, flaky]);
  const engine = createTestEngine(options.tenantConcurrency === undefined ? { registry, logger } : { registry, logger, tenantConcurrency: options.tenantConcurrency });

  const harness: FlowHarness = {
    engine,
    held: () => [...held],
    get maxHeld() {
      return maxHeld;
    },
    release(runId) {
      const gate = gates.get(runId);
      if (!gate) throw new Error(`Run ${runId} is not held`);
      gate();
    },
    recorded,
    count: (nodeId) => calls.get(nodeId) ?? 0,
    failing: false,
    async until(predicate, what) {
      const deadline = Date.now() + 5_000;
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await engine.clock.flush();
      }
    },
    warnings,
  };
  return harness;
}
