import type { ExecutionPlan } from '../compiler/execution-plan';
import type { RunState } from '../runtime/run-state';
import { jsonSizeBound } from './json-size';
import type { PayloadLimits } from './payload-options';

const encoder = new TextEncoder();

/** The exact JSON size of a payload, or its bound when it cannot be serialized. */
function exactBytes(value: unknown): number {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? 0 : encoder.encode(json).byteLength;
  } catch {
    return jsonSizeBound(value, Number.MAX_SAFE_INTEGER);
  }
}

/**
 * The payloads of one run against `maxRunPayloadBytes`: the run input (its trigger's
 * output) and the output of each action step.
 *
 * The common case costs an addition: the budget keeps an upper bound of the total, in
 * which a small output counts at the bound its size check gave, and an output recorded
 * before this worker loaded the run at its blob's size, or at the offload threshold (it
 * stayed inline, so it is no larger). Only when that bound passes the limit does it
 * count exactly, from the run's state, serializing the inline outputs; the step fails
 * only on the exact total. Outputs of steps still being recorded in parallel are not
 * in the state yet, and may come in over the limit that way.
 */
export class RunPayloadBudget {
  /** An upper bound of the run's total, or the exact total plus the bounds added since it was counted. */
  private total = 0;
  /** Sizes of the outputs kept as blobs, by node id. */
  private readonly offloaded: Map<string, number>;

  constructor(
    private readonly limits: PayloadLimits,
    private readonly plan: ExecutionPlan,
    private readonly state: RunState,
    offloaded: Map<string, number>,
  ) {
    this.offloaded = offloaded;
    for (const id of plan.order) {
      if (this.counts(id)) this.total += offloaded.get(id) ?? limits.offloadAboveBytes;
    }
  }

  /** Whether the node's output is part of the total: a succeeded trigger or action step. */
  private counts(nodeId: string): boolean {
    return this.state.steps.get(nodeId)?.status === 'succeeded' && this.plan.nodes[nodeId]?.kind !== 'control';
  }

  /**
   * Counts a new output of `nodeId` of `bytes` (exact, or an upper bound).
   * @returns the run's exact total with it when that is over the limit (the output is
   * then not counted), else undefined.
   */
  admit(nodeId: string, value: unknown, bytes: number): number | undefined {
    const limit = this.limits.maxRunPayloadBytes;
    if (this.total + bytes <= limit) {
      this.total += bytes;
      return undefined;
    }
    let exact = exactBytes(value);
    for (const id of this.plan.order) {
      if (id !== nodeId && this.counts(id)) exact += this.offloaded.get(id) ?? exactBytes(this.state.outputs[id]?.output);
    }
    if (exact > limit) return exact;
    this.total = exact;
    return undefined;
  }

  /** Records the size of an output just stored as a blob, for exact counts later. */
  stored(nodeId: string, bytes: number): void {
    this.offloaded.set(nodeId, bytes);
  }

  /** Takes back an output that was not recorded after all (storing it failed). */
  withdraw(bytes: number): void {
    this.total -= bytes;
  }
}
