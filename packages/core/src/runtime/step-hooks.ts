import type { NodeContext } from '../registry/node-context';
import type { ActionNodeDefinition } from '../registry/node-definition';

/** Runs one step: given its context, returns what the node returned (a value or a promise of one). */
export type StepRunner = (ctx: NodeContext<unknown>, definition: ActionNodeDefinition) => unknown;

/**
 * Cross-cutting behaviour around every step (tracing, metrics, auditing): each hook
 * wraps the next runner.
 *
 * @example
 * ```ts
 * const timing: EngineHooks = {
 *   wrapStep: (next) => async (ctx, definition) => {
 *     const started = performance.now();
 *     try { return await next(ctx, definition); } finally { metrics.observe(definition.type, performance.now() - started); }
 *   },
 * };
 * ```
 */
export interface EngineHooks {
  wrapStep?(next: StepRunner): StepRunner;
}

/** Composes hooks so the first one listed is the outermost. */
export function composeStepHooks(hooks: readonly EngineHooks[], innermost: StepRunner): StepRunner {
  let runner = innermost;
  for (let i = hooks.length - 1; i >= 0; i--) {
    const wrap = hooks[i]?.wrapStep;
    if (wrap) runner = wrap(runner);
  }
  return runner;
}
