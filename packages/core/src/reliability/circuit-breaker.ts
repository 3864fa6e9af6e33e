import { z } from 'zod';

/**
 * When a connection's circuit opens, and for how long. A failure is a call that failed
 * in a way that says the service is unwell (a network error, a timeout, a 5xx); a
 * rejected request (4xx) or a 429 is not.
 */
export const breakerOptionsSchema = z.strictObject({
  /** Failures within `windowMs` that open the circuit. */
  failureThreshold: z.number().int().min(1).max(10_000).default(5),
  windowMs: z.number().int().min(1).max(86_400_000).default(60_000),
  /**
   * Also open when at least this share of the calls in the window failed (0..1), once
   * there were `minimumCalls`. Off when absent.
   */
  failureRatio: z.number().gt(0).max(1).optional(),
  minimumCalls: z.number().int().min(1).max(100_000).default(20),
  /** How long the circuit stays open before one probe call may go out. */
  openMs: z.number().int().min(1).max(86_400_000).default(30_000),
  /** How long a probe may take before another step may probe instead (its worker may have died). */
  probeTimeoutMs: z.number().int().min(1).max(86_400_000).default(60_000),
});

export type BreakerOptions = z.output<typeof breakerOptionsSchema>;
export type BreakerOptionsInput = z.input<typeof breakerOptionsSchema>;

/** Parked runs woken when a circuit closes; beyond these, runs wake at their parked due time. */
const maxWaiters = 1_000;

/** A circuit's shared state, as stored (plain JSON). */
export type BreakerState =
  | { state: 'closed'; windowStart: number; failures: number; calls: number }
  | { state: 'open'; openedAt: number; retryAt: number; failures: number; waiters: string[] }
  | { state: 'half_open'; openedAt: number; probe: string; probeUntil: number; waiters: string[] };

export const closedBreaker = (now: number): BreakerState => ({ state: 'closed', windowStart: now, failures: 0, calls: 0 });

/** What a step may do now: go (perhaps as the probe), or park until a time. */
export type BreakerAdmission = { go: true; probe: boolean; next?: BreakerState } | { go: false; until: number; next?: BreakerState };

/**
 * Whether a call may go out now. Closed: yes. Open: park until the cool-down ends.
 * Then the first step to ask becomes the one probe (half-open) and the others park
 * until the probe reports or times out, registered as waiters to wake on close.
 * `next` is the state to store when the answer changed it.
 */
export function admitThroughBreaker(current: BreakerState, now: number, options: BreakerOptions, caller: { probe: string; runId: string }): BreakerAdmission {
  if (current.state === 'closed') return { go: true, probe: false };
  const probeDue = current.state === 'open' ? current.retryAt <= now : current.probeUntil <= now;
  if (probeDue) {
    return { go: true, probe: true, next: { state: 'half_open', openedAt: current.openedAt, probe: caller.probe, probeUntil: now + options.probeTimeoutMs, waiters: current.waiters } };
  }
  if (current.state === 'half_open' && current.probe === caller.probe) return { go: true, probe: true };
  const until = current.state === 'open' ? current.retryAt : current.probeUntil;
  if (current.waiters.includes(caller.runId) || current.waiters.length >= maxWaiters) return { go: false, until };
  return { go: false, until, next: { ...current, waiters: [...current.waiters, caller.runId] } };
}

/** The result of a call, for the breaker: `success`, a `failure` that counts, or `neutral` (neither). */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/**
 * The state after a call ended. `successesSinceWrite` are successes this process saw
 * since it last wrote the state (successes are not written one by one; they count
 * towards the failure ratio when a failure is written). Returns undefined when nothing
 * changes.
 */
export function recordBreakerOutcome(
  current: BreakerState,
  outcome: CallOutcome,
  now: number,
  options: BreakerOptions,
  caller: { probe: string; successesSinceWrite: number },
): BreakerState | undefined {
  if (outcome === 'neutral') return undefined;
  if (current.state === 'half_open') {
    if (current.probe !== caller.probe) return undefined;
    if (outcome === 'success') return closedBreaker(now);
    return { state: 'open', openedAt: now, retryAt: now + options.openMs, failures: 1, waiters: current.waiters };
  }
  // A call that started before the circuit opened and ends after: it says nothing new.
  if (current.state === 'open' || outcome === 'success') return undefined;
  const fresh = now - current.windowStart >= options.windowMs;
  const failures = (fresh ? 0 : current.failures) + 1;
  const calls = (fresh ? 0 : current.calls) + caller.successesSinceWrite + 1;
  const windowStart = fresh ? now : current.windowStart;
  const overRatio = options.failureRatio !== undefined && calls >= options.minimumCalls && failures / calls >= options.failureRatio;
  if (failures >= options.failureThreshold || overRatio) return { state: 'open', openedAt: now, retryAt: now + options.openMs, failures, waiters: [] };
  return { state: 'closed', windowStart, failures, calls };
}

export const breakerStateSchema = z.union([
  z.object({ state: z.literal('closed'), windowStart: z.number(), failures: z.number(), calls: z.number() }),
  z.object({ state: z.literal('open'), openedAt: z.number(), retryAt: z.number(), failures: z.number(), waiters: z.array(z.string()) }),
  z.object({ state: z.literal('half_open'), openedAt: z.number(), probe: z.string(), probeUntil: z.number(), waiters: z.array(z.string()) }),
]);

/** A stored state read back; anything unreadable counts as a closed circuit rather than blocking calls forever. */
export function parseBreakerState(value: unknown, now: number): BreakerState {
  const parsed = breakerStateSchema.safeParse(value);
  return parsed.success ? parsed.data : closedBreaker(now);
}
