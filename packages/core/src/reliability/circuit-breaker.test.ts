import { describe, expect, it } from 'vitest';
import { admitThroughBreaker, breakerOptionsSchema, closedBreaker, parseBreakerState, recordBreakerOutcome, type BreakerState } from './circuit-breaker';

const options = breakerOptionsSchema.parse({ failureThreshold: 3, windowMs: 10_000, openMs: 5_000, probeTimeoutMs: 2_000 });
const caller = (probe: string) => ({ probe, successesSinceWrite: 0 });

function failTimes(times: number[], start: BreakerState = closedBreaker(0)): BreakerState {
  let state = start;
  for (const at of times) state = recordBreakerOutcome(state, 'failure', at, options, caller('p')) ?? state;
  return state;
}

describe('circuit breaker state', () => {
  it('opens on the threshold-th failure within the window', () => {
    expect(failTimes([1, 2])).toEqual({ state: 'closed', windowStart: 0, failures: 2, calls: 2 });
    expect(failTimes([1, 2, 3])).toEqual({ state: 'open', openedAt: 3, retryAt: 5_003, failures: 3, waiters: [] });
  });

  it('starts counting again once the window has passed', () => {
    expect(failTimes([1, 2, 10_001])).toEqual({ state: 'closed', windowStart: 10_001, failures: 1, calls: 1 });
  });

  it('opens on a failure ratio once there were enough calls, counting successes written with a failure', () => {
    const ratio = breakerOptionsSchema.parse({ failureThreshold: 100, failureRatio: 0.5, minimumCalls: 4 });
    const afterOne = recordBreakerOutcome(closedBreaker(0), 'failure', 1, ratio, { probe: 'p', successesSinceWrite: 2 }) as BreakerState;
    expect(afterOne).toEqual({ state: 'closed', windowStart: 0, failures: 1, calls: 3 });
    expect(recordBreakerOutcome(afterOne, 'failure', 2, ratio, caller('p'))).toMatchObject({ state: 'open', failures: 2 });
    expect(recordBreakerOutcome(afterOne, 'failure', 2, ratio, { probe: 'p', successesSinceWrite: 5 })).toMatchObject({ state: 'closed', calls: 9 });
  });

  it('ignores neutral outcomes and successes of a closed circuit', () => {
    expect(recordBreakerOutcome(closedBreaker(0), 'neutral', 1, options, caller('p'))).toBeUndefined();
    expect(recordBreakerOutcome(closedBreaker(0), 'success', 1, options, caller('p'))).toBeUndefined();
  });

  it('parks callers while open, then lets exactly one probe out and parks the rest as waiters', () => {
    const open = failTimes([1, 2, 3]);
    expect(admitThroughBreaker(open, 4_000, options, { probe: 'a', runId: 'run_a' })).toEqual({
      go: false,
      until: 5_003,
      next: { ...open, waiters: ['run_a'] },
    });
    const probe = admitThroughBreaker(open, 5_003, options, { probe: 'a', runId: 'run_a' });
    expect(probe).toMatchObject({ go: true, probe: true, next: { state: 'half_open', probe: 'a', probeUntil: 7_003 } });
    const halfOpen = (probe as { next: BreakerState }).next;
    expect(admitThroughBreaker(halfOpen, 5_100, options, { probe: 'b', runId: 'run_b' })).toMatchObject({ go: false, until: 7_003, next: { waiters: ['run_b'] } });
    // The probe asking again (its worker restarted) keeps its turn.
    expect(admitThroughBreaker(halfOpen, 5_100, options, { probe: 'a', runId: 'run_a' })).toEqual({ go: true, probe: true });
    // A probe that never reports frees the turn after probeTimeoutMs.
    expect(admitThroughBreaker(halfOpen, 7_003, options, { probe: 'b', runId: 'run_b' })).toMatchObject({ go: true, probe: true, next: { probe: 'b' } });
  });

  it('closes when the probe succeeds and reopens when it fails; other callers’ outcomes do not decide', () => {
    const halfOpen: BreakerState = { state: 'half_open', openedAt: 3, probe: 'a', probeUntil: 9_000, waiters: ['run_b'] };
    expect(recordBreakerOutcome(halfOpen, 'success', 6_000, options, caller('a'))).toEqual(closedBreaker(6_000));
    expect(recordBreakerOutcome(halfOpen, 'failure', 6_000, options, caller('a'))).toEqual({ state: 'open', openedAt: 6_000, retryAt: 11_000, failures: 1, waiters: ['run_b'] });
    expect(recordBreakerOutcome(halfOpen, 'success', 6_000, options, caller('other'))).toBeUndefined();
  });

  it('reads an unreadable stored state as closed', () => {
    expect(parseBreakerState({ state: 'weird' }, 42)).toEqual(closedBreaker(42));
    expect(parseBreakerState(closedBreaker(1), 42)).toEqual(closedBreaker(1));
  });
});
