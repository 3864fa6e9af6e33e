import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId } from '../ids';
import { fromZodIssues } from '../model/validation-issue';
import type { Clock } from '../ports/clock';
import type { FlowStateRecord, RunStore } from '../ports/run-store';
import type { ConnectorDefinition } from '../registry/connector-definition';
import type { ActionNodeDefinition } from '../registry/node-definition';
import { updateFlowState } from '../flow/flow-state';
import {
  admitThroughBreaker,
  breakerOptionsSchema,
  breakerStateSchema,
  closedBreaker,
  parseBreakerState,
  recordBreakerOutcome,
  type BreakerOptions,
  type BreakerState,
  type CallOutcome,
} from './circuit-breaker';
import { classifyError, httpStatusOf } from './classify-error';
import { idleLimiter, limiterStateSchema, rateLimitOptionsSchema, reserveCall, tightenLimiter, type RateLimitOptions, type RateLimiterState } from './rate-limiter';

/** Host overrides, per connector id (`http` for nodes like `http.request` outside a connector). */
export const flowControlOptionsSchema = z.strictObject({
  breakers: z.record(z.string(), z.union([z.literal(false), breakerOptionsSchema.partial()])).default({}),
  rateLimits: z.record(z.string(), z.union([z.literal(false), rateLimitOptionsSchema])).default({}),
  /** How long a worker trusts a closed circuit it read before reading it again. */
  cacheMs: z.number().int().min(0).max(60_000).default(1_000),
});

export type FlowControlOptions = z.input<typeof flowControlOptionsSchema>;

/** The breaker and limiter one step goes through. */
export interface FlowTarget {
  key: string;
  breaker: BreakerOptions | undefined;
  rateLimit: RateLimitOptions | undefined;
}

/** Who asks: the probe id is stable across a crash, so a recovering worker keeps its probe. */
export interface FlowCaller {
  runId: string;
  nodeId: string;
  attempt: number;
}

export type FlowAdmission = { go: true } | { go: false; reason: 'circuit_open' | 'rate_limited'; until: number; reserved: boolean };

/** A circuit as the engine API shows it. */
export interface BreakerView {
  key: string;
  state: BreakerState['state'];
  failures: number;
  /** When an open circuit lets a probe out. */
  retryAt?: number;
  openedAt?: number;
  updatedAt: number;
}

const breakerPrefix = 'breaker:';
const limiterPrefix = 'rate:';

const probeOf = (caller: FlowCaller): string => `${caller.runId}:${caller.nodeId}:${caller.attempt}`;
const cacheKeyOf = (tenantId: TenantId, key: string): string => `${tenantId}\u0000${key}`;

/** The outcome of a call as the breaker sees it: only signs of an unwell service count. */
function breakerOutcome(result: { ok: true } | { ok: false; thrown: unknown }, now: number): CallOutcome {
  if (result.ok) return 'success';
  const classified = classifyError(result.thrown, now);
  if (!classified.retryable || isRateLimitSignal(result.thrown, classified.error.code)) return 'neutral';
  return classified.error.code === 'circuit_open' ? 'neutral' : 'failure';
}

function isRateLimitSignal(thrown: unknown, code: string): boolean {
  if (code === 'retry_after') return true;
  try {
    return httpStatusOf(thrown) === 429;
  } catch {
    return false;
  }
}

interface CachedBreaker {
  state: BreakerState;
  readAt: number;
  /** Successes seen here since this worker last wrote the state. */
  successes: number;
}

/**
 * Circuit breakers and rate limits, shared by every worker through the store's flow
 * state (compare-and-set on a version), with a short in-process cache of closed
 * circuits so that the common case costs no store read.
 */
export class FlowControl {
  private readonly overrides: z.output<typeof flowControlOptionsSchema>;
  /** Breaker overrides as given: merged over what a connector declares, field by field. */
  private readonly breakerOverrides: Record<string, Partial<z.input<typeof breakerOptionsSchema>> | false>;
  private readonly targets = new Map<string, { breaker: BreakerOptions | undefined; rateLimit: RateLimitOptions | undefined }>();
  private readonly breakers = new Map<string, CachedBreaker>();

  constructor(
    private readonly store: RunStore,
    private readonly clock: Clock,
    /** Wakes a parked run at once (a circuit closed). */
    private readonly wake: (tenantId: TenantId, runId: string) => Promise<void>,
    options: FlowControlOptions = {},
  ) {
    const parsed = flowControlOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new PipewrightError('invalid_input', 'Invalid flowControl options', { details: { issues: fromZodIssues(parsed.error.issues) } });
    }
    this.overrides = parsed.data;
    this.breakerOverrides = options.breakers ?? {};
  }

  private readonly applies = new Map<string, boolean>();

  /**
   * Whether steps of a node type go through a breaker or limiter at all: nodes that pick
   * their own key (`flowKey`), and nodes of a connector that talks to a service (it has
   * auth, declares a breaker or a limit, or the host configured one). Pure helpers such
   * as `data.*` call nothing that could fail or throttle, and skip flow control entirely.
   */
  appliesTo(definition: ActionNodeDefinition, connector: ConnectorDefinition | undefined): boolean {
    let applies = this.applies.get(definition.type);
    if (applies === undefined) {
      applies =
        definition.flowKey !== undefined ||
        (connector !== undefined &&
          (connector.auth.type !== 'none' ||
            connector.breaker !== undefined ||
            connector.rateLimit !== undefined ||
            this.breakerOverrides[connector.id] !== undefined ||
            this.overrides.rateLimits[connector.id] !== undefined));
      this.applies.set(definition.type, applies);
    }
    return applies;
  }

  /** The breaker and limiter of a step, or undefined for a step that has none (a core node). */
  targetOf(definition: ActionNodeDefinition, connector: ConnectorDefinition | undefined, config: unknown): FlowTarget | undefined {
    let key: string | undefined;
    if (definition.flowKey) key = definition.flowKey(config);
    else if (connector) {
      const connection = (config as { connection?: unknown } | undefined)?.connection;
      key = `${connector.id}:${typeof connection === 'string' && connection !== '' ? connection : '-'}`;
    }
    if (key === undefined) return undefined;
    const connectorId = connector?.id ?? definition.type.slice(0, definition.type.indexOf('.'));
    let specs = this.targets.get(connectorId);
    if (specs === undefined) {
      specs = this.specsOf(connectorId, connector);
      this.targets.set(connectorId, specs);
    }
    if (specs.breaker === undefined && specs.rateLimit === undefined) return undefined;
    return { key, ...specs };
  }

  private specsOf(connectorId: string, connector: ConnectorDefinition | undefined): { breaker: BreakerOptions | undefined; rateLimit: RateLimitOptions | undefined } {
    const breakerOverride = this.breakerOverrides[connectorId];
    const declaredBreaker = connector?.breaker;
    const breaker =
      breakerOverride === false || (declaredBreaker === false && breakerOverride === undefined)
        ? undefined
        : breakerOptionsSchema.parse({ ...(declaredBreaker === false ? {} : declaredBreaker), ...breakerOverride });
    const limitOverride = this.overrides.rateLimits[connectorId];
    const rateLimit = limitOverride === false ? undefined : (limitOverride ?? (connector?.rateLimit ? rateLimitOptionsSchema.parse(connector.rateLimit) : undefined));
    return { breaker, rateLimit };
  }

  /**
   * Whether the step may call out now. An open circuit parks it until a probe may go;
   * a rate limit sets a call aside for it and parks it until then. A step coming back
   * to a call set aside for it (`reserved`) goes, unless a 429 paused the limiter since.
   */
  async admit(tenantId: TenantId, target: FlowTarget, caller: FlowCaller, reserved: boolean): Promise<FlowAdmission> {
    if (target.breaker) {
      const verdict = await this.admitBreaker(tenantId, target.key, target.breaker, caller);
      if (verdict !== undefined) return { go: false, reason: 'circuit_open', until: verdict, reserved: false };
    }
    if (!target.rateLimit) return { go: true };
    const limit = target.rateLimit;
    const at = await this.updateLimiter(tenantId, target.key, (current) => {
      const now = this.clock.now();
      if (reserved && current.pausedUntil <= now) return { result: now };
      const reservation = reserveCall(current, now, limit);
      return { next: reservation.next, result: reservation.at };
    });
    return at <= this.clock.now() ? { go: true } : { go: false, reason: 'rate_limited', until: at, reserved: true };
  }

  /** Undefined when the call may go; otherwise when to ask again. */
  private async admitBreaker(tenantId: TenantId, key: string, options: BreakerOptions, caller: FlowCaller): Promise<number | undefined> {
    const cacheKey = cacheKeyOf(tenantId, key);
    const cached = this.breakers.get(cacheKey);
    if (cached && cached.state.state === 'closed' && this.clock.now() - cached.readAt < this.overrides.cacheMs) return undefined;
    return this.updateBreaker(tenantId, key, (current) => {
      const admission = admitThroughBreaker(current, this.clock.now(), options, { probe: probeOf(caller), runId: caller.runId });
      return { next: admission.next, result: admission.go ? undefined : admission.until };
    });
  }

  /** Tells the breaker and the limiter how a call ended. Never throws: flow control must not fail a step. */
  async record(tenantId: TenantId, target: FlowTarget, caller: FlowCaller, result: { ok: true } | { ok: false; thrown: unknown }): Promise<void> {
    const now = this.clock.now();
    try {
      if (target.breaker) await this.recordBreaker(tenantId, target.key, target.breaker, caller, breakerOutcome(result, now));
      if (target.rateLimit && !result.ok) {
        const classified = classifyError(result.thrown, now);
        if (isRateLimitSignal(result.thrown, classified.error.code)) {
          const limit = target.rateLimit;
          await this.updateLimiter(tenantId, target.key, (current) => ({ next: tightenLimiter(current, this.clock.now(), classified.retryAfterMs, limit), result: undefined }));
        }
      }
    } catch {
      // A store hiccup here loses one observation; the step's own outcome is recorded by the run.
    }
  }

  private async recordBreaker(tenantId: TenantId, key: string, options: BreakerOptions, caller: FlowCaller, outcome: CallOutcome): Promise<void> {
    const cacheKey = cacheKeyOf(tenantId, key);
    const cached = this.breakers.get(cacheKey);
    // Successes of a closed circuit are counted here and written with the next failure.
    if (outcome === 'success' && cached?.state.state === 'closed') {
      cached.successes++;
      return;
    }
    if (outcome === 'neutral') return;
    const woken = await this.updateBreaker(tenantId, key, (current) => {
      const next = recordBreakerOutcome(current, outcome, this.clock.now(), options, { probe: probeOf(caller), successesSinceWrite: cached?.successes ?? 0 });
      return { next, result: next?.state === 'closed' && current.state !== 'closed' ? current.waiters : [] };
    });
    await this.wakeAll(tenantId, woken);
  }

  private async wakeAll(tenantId: TenantId, runIds: readonly string[]): Promise<void> {
    for (const runId of runIds) await this.wake(tenantId, runId).catch(() => undefined);
  }

  /**
   * Changes a circuit's shared state (a missing or unreadable one counts as closed) and
   * remembers what was read or written for the in-process cache.
   */
  private async updateBreaker<Result>(tenantId: TenantId, key: string, change: (current: BreakerState) => { next: BreakerState | undefined; result: Result }): Promise<Result> {
    const now = (): number => this.clock.now();
    const outcome = await updateFlowState(this.store, tenantId, breakerPrefix + key, breakerStateSchema, now, (stored) => {
      const current = stored ?? closedBreaker(now());
      const decided = change(current);
      const seen = { result: decided.result, state: decided.next ?? current, wrote: decided.next !== undefined };
      return decided.next === undefined ? { result: seen } : { next: decided.next, result: seen };
    });
    this.cacheBreaker(cacheKeyOf(tenantId, key), outcome.state, outcome.wrote);
    return outcome.result;
  }

  /** Changes a rate limiter's shared state; a missing or unreadable one counts as idle. */
  private updateLimiter<Result>(tenantId: TenantId, key: string, change: (current: RateLimiterState) => { next?: RateLimiterState; result: Result }): Promise<Result> {
    return updateFlowState(this.store, tenantId, limiterPrefix + key, limiterStateSchema, () => this.clock.now(), (stored) => change(stored ?? idleLimiter()));
  }

  private cacheBreaker(cacheKey: string, state: BreakerState, wrote: boolean): void {
    const previous = this.breakers.get(cacheKey);
    const successes = wrote || previous === undefined ? 0 : previous.successes;
    // Bounded: a process that talks to many connections keeps the recent ones.
    if (this.breakers.size >= 10_000 && previous === undefined) this.breakers.clear();
    this.breakers.set(cacheKey, { state, readAt: this.clock.now(), successes });
  }

  async breakerView(tenantId: TenantId, key: string): Promise<BreakerView | undefined> {
    const record = await this.store.getFlowState(tenantId, breakerPrefix + key);
    return record === undefined ? undefined : this.viewOf(record);
  }

  async listBreakers(tenantId: TenantId, page: { limit?: number; cursor?: string } = {}): Promise<{ items: BreakerView[]; nextCursor?: string }> {
    const listed = await this.store.listFlowStates(tenantId, breakerPrefix, page);
    const items = listed.items.map((record) => this.viewOf(record));
    return listed.nextCursor === undefined ? { items } : { items, nextCursor: listed.nextCursor };
  }

  /** Closes a circuit by hand and wakes the runs parked on it. */
  async resetBreaker(tenantId: TenantId, key: string): Promise<void> {
    const woken = await this.updateBreaker(tenantId, key, (current) => ({ next: closedBreaker(this.clock.now()), result: current.state === 'closed' ? [] : current.waiters }));
    await this.wakeAll(tenantId, woken);
  }

  private viewOf(record: FlowStateRecord): BreakerView {
    const state = parseBreakerState(record.value, this.clock.now());
    const view: BreakerView = { key: record.key.slice(breakerPrefix.length), state: state.state, failures: state.state === 'half_open' ? 0 : state.failures, updatedAt: record.updatedAt };
    if (state.state === 'open') view.retryAt = state.retryAt;
    if (state.state !== 'closed') view.openedAt = state.openedAt;
    return view;
  }
}
