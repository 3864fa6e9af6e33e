import { z } from 'zod';
import { FatalError } from '../errors/step-errors';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry, type Registry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createTestEngine, type TestEngine } from '../testing/test-engine';
import type { RunEvent } from './run-events';
import type { RunView, StepView } from './run-view';

/*
 * Shared by the control-flow acceptance tests (control-flow*.test.ts,
 * preview-replay-rerun.test.ts): small node types that count their executions and
 * note the fake clock's time, and a gate node whose steps block until the test lets
 * them go. Not exported from the package.
 */

interface Gate {
  promise: Promise<unknown>;
  release(value: unknown): void;
}

export interface Harness {
  engine: TestEngine;
  registry: Registry;
  /** Executions per node id (all runs together, so child workflows count too). */
  count(nodeId: string): number;
  /** Fake-clock time of every execution of a node. */
  times(nodeId: string): number[];
  /** Gate steps blocked right now, and the most that were ever blocked at once. */
  gates: {
    readonly active: number;
    readonly maxActive: number;
    /** Keys of blocked gate steps, in the order they started. */
    waiting(): string[];
    /** Lets the gate step with `key` finish with `value` (its input when undefined). */
    release(key: string, value?: unknown): void;
    /** Keys of gate steps whose signal aborted while they were blocked. */
    aborted(): string[];
  };
  /** Lets the engine work (without moving time) until `predicate` holds. */
  until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void>;
  /**
   * Lets the engine work (without moving time) until the run has `status`. Polls rather
   * than flushing a fixed number of turns: resume tokens are HMACs from Web Crypto,
   * which settle on a thread pool, not on the event loop's next turn.
   */
  runReaches(runId: string, status: RunView['status']): Promise<RunView>;
}

/**
 * A test engine on a fresh fake clock with the core nodes and these test nodes:
 * - `test.pass` (pure): outputs `config.value`, or its input when no value is set.
 * - `test.effect` (side effects, sample output `{ sample: true }`): the same.
 * - `test.fail` (pure): throws a FatalError with `config.message` when `config.when` holds.
 * - `test.effectFail` (side effects): the same.
 * - `test.gate` (side effects): blocks until the test releases `config.key`.
 */
export function createHarness(options: { tenantId?: string } = {}): Harness {
  const calls = new Map<string, number>();
  const stamps = new Map<string, number[]>();
  const gates = new Map<string, Gate>();
  const blocked: string[] = [];
  const aborted: string[] = [];
  let active = 0;
  let maxActive = 0;

  function note(nodeId: string): void {
    calls.set(nodeId, (calls.get(nodeId) ?? 0) + 1);
    const list = stamps.get(nodeId) ?? [];
    list.push(created.clock.now());
    stamps.set(nodeId, list);
  }

  function gate(key: string): Gate {
    let found = gates.get(key);
    if (!found) {
      let release!: (value: unknown) => void;
      const promise = new Promise<unknown>((resolve) => {
        release = resolve;
      });
      found = { promise, release };
      gates.set(key, found);
    }
    return found;
  }

  const valueConfig = z.object({ value: z.unknown().optional() });
  const pass = defineNode({
    type: 'test.pass',
    version: 1,
    title: 'Pass',
    description: 'Outputs its value or its input',
    category: 'Test',
    configSchema: valueConfig,
    sideEffects: false,
    run: ({ config, input, node }) => {
      note(node.id);
      return config.value === undefined ? input : config.value;
    },
  });
  const effect = defineNode({
    type: 'test.effect',
    version: 1,
    title: 'Effect',
    description: 'Pretends to change the outside world',
    category: 'Test',
    configSchema: valueConfig,
    sideEffects: true,
    sampleOutput: { sample: true },
    run: ({ config, input, node }) => {
      note(node.id);
      return config.value === undefined ? input : config.value;
    },
  });
  const failConfig = z.object({ message: z.string().default('boom'), when: z.boolean().default(true) });
  const failing = ({ config, input, node }: { config: z.output<typeof failConfig>; input: unknown; node: { id: string } }): unknown => {
    note(node.id);
    if (config.when) throw new FatalError(config.message);
    return input;
  };
  const fail = defineNode({
    type: 'test.fail',
    version: 1,
    title: 'Fail',
    description: 'Throws when told to',
    category: 'Test',
    configSchema: failConfig,
    sideEffects: false,
    run: failing,
  });
  const effectFail = defineNode({
    type: 'test.effectFail',
    version: 1,
    title: 'Failing effect',
    description: 'Calls the outside world, which fails when told to',
    category: 'Test',
    configSchema: failConfig,
    sideEffects: true,
    run: failing,
  });
  const gateNode = defineNode({
    type: 'test.gate',
    version: 1,
    title: 'Gate',
    description: 'Blocks until the test releases it',
    category: 'Test',
    configSchema: z.object({ key: z.string() }),
    sideEffects: true,
    run: async ({ config, input, node, signal }) => {
      note(node.id);
      active++;
      maxActive = Math.max(maxActive, active);
      blocked.push(config.key);
      const onAbort = (): void => void aborted.push(config.key);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const value = await gate(config.key).promise;
        return value === undefined ? input : value;
      } finally {
        signal.removeEventListener('abort', onAbort);
        active--;
        blocked.splice(blocked.indexOf(config.key), 1);
      }
    },
  });

  /** Real time, not turns: Web Crypto (resume tokens) settles on a thread pool. */
  async function poll(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await created.clock.flush();
    }
  }

  const registry = createRegistry([...coreNodes, pass, effect, fail, effectFail, gateNode]);
  const created = createTestEngine(options.tenantId === undefined ? { registry } : { registry, tenantId: options.tenantId });

  return {
    engine: created,
    registry,
    count: (nodeId) => calls.get(nodeId) ?? 0,
    times: (nodeId) => stamps.get(nodeId) ?? [],
    gates: {
      get active() {
        return active;
      },
      get maxActive() {
        return maxActive;
      },
      waiting: () => [...blocked],
      release: (key, value) => gate(key).release(value),
      aborted: () => [...aborted],
    },
    until: poll,
    async runReaches(runId, status) {
      let view: RunView | undefined;
      await poll(async () => {
        view = await created.runs.get(created.ctx, runId);
        return view.status === status;
      }, `run ${runId} to be ${status}`);
      return view as RunView;
    },
  };
}

type NodeSpec = WorkflowInput['nodes'][number];

/**
 * A workflow from nodes and links written `source -> target` or
 * `source.handle -> target` (node ids cannot contain dots).
 */
export function flow(id: string, nodes: NodeSpec[], links: string[], settings?: WorkflowInput['settings']): WorkflowInput {
  const edges = links.map((link, index) => {
    const [from = '', target = ''] = link.split('->').map((part) => part.trim());
    const [source = '', sourceHandle] = from.split('.');
    return sourceHandle === undefined ? { id: `e${index}`, source, target } : { id: `e${index}`, source, sourceHandle, target };
  });
  const workflow: WorkflowInput = { id, name: id, nodes, edges };
  if (settings !== undefined) workflow.settings = settings;
  return workflow;
}

/** The step of `nodeId` in a run view; fails the test when there is none. */
export function step(view: RunView, nodeId: string): StepView {
  const found = view.steps.find((candidate) => candidate.nodeId === nodeId);
  if (!found) throw new Error(`Run ${view.id} has no step "${nodeId}"`);
  return found;
}

/** Step statuses by node id, for compact assertions. */
export function statuses(view: RunView): Record<string, string> {
  return Object.fromEntries(view.steps.map((candidate) => [candidate.nodeId, candidate.status]));
}

/** The run's events, without their sequence numbers. */
export async function eventsOf(engine: TestEngine, runId: string): Promise<RunEvent[]> {
  return (await engine.runs.events(engine.ctx, runId)).map((stored) => stored.event);
}

/** Starts a run of a deployed workflow without settling it. */
export async function start(engine: TestEngine, workflowId: string, input: unknown = {}): Promise<string> {
  const { runId } = await engine.runs.start(engine.ctx, { workflowId }, input);
  return runId;
}

export const manual: NodeSpec = { id: 'start', type: 'core.manual' };
