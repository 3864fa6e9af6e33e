import { PipewrightError, type Job, type LeasedJob } from '@pipewright/core';

/** One worker's hold on one job, as the worker sees it. */
export interface JobLease {
  readonly job: LeasedJob;
  /** Not lost, not ended, and not past its expiry. */
  isHeld(): boolean;
  /** The lease is gone (expired, taken, worker stopped): aborts the signal. */
  lose(why: string): void;
  /** The job's outcome is being recorded: the lease ends without aborting the signal. */
  end(): void;
}

export interface JobLeaseOptions {
  job: Job;
  leaseMs: number;
  /**
   * When the lease began, in `Date.now()` time: taken before the request that set the
   * lock in Redis, so this side never believes in a lease that Redis has let go.
   */
  startedAt: number;
  /** Extends the lease in Redis; false when the job is no longer this lease's. */
  extend: () => Promise<boolean>;
}

/**
 * A lease with its local expiry. The expiry is checked wherever the lease is read
 * (`held`, `signal`, `heartbeat`), so a late timer never lets a handler believe it still
 * holds a job that another worker may have; the timer only makes `signal` fire on time.
 * Leases and their timers run on real time, as the locks in Redis do.
 */
export function createJobLease({ job, leaseMs, startedAt, extend }: JobLeaseOptions): JobLease {
  let expiresAt = startedAt + leaseMs;
  let state: 'held' | 'ended' | 'lost' = 'held';
  let lostReason: PipewrightError | undefined;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const leaseLost = (why: string): PipewrightError =>
    new PipewrightError('lease_lost', why, { details: { jobId: job.id, attempt: job.attempt } });

  function lose(why: string): void {
    if (state !== 'held') return;
    state = 'lost';
    clearTimeout(timer);
    lostReason = leaseLost(why);
    controller?.abort(lostReason);
  }

  function isHeld(): boolean {
    if (state === 'held' && Date.now() >= expiresAt) lose(`The lease on job ${job.id} expired`);
    return state === 'held';
  }

  function arm(): void {
    clearTimeout(timer);
    // A timer may fire a little early: re-armed until the expiry has really passed.
    timer = setTimeout(() => {
      if (isHeld()) arm();
    }, Math.max(0, expiresAt - Date.now()));
  }

  async function heartbeat(): Promise<void> {
    const sentAt = Date.now();
    if (!isHeld()) throw notHeld();
    let extended: boolean;
    try {
      extended = await extend();
    } catch (error) {
      throw new PipewrightError('internal', `Could not extend the lease on job ${job.id}`, { cause: error, details: { jobId: job.id } });
    }
    if (!extended) lose(`The lease on job ${job.id} was lost: it expired and another worker may hold the job`);
    if (!isHeld()) throw notHeld();
    expiresAt = Math.max(expiresAt, sentAt + leaseMs);
    arm();
  }

  function notHeld(): PipewrightError {
    return lostReason ?? leaseLost(`The lease on job ${job.id} has ended`);
  }

  const leased: LeasedJob = {
    ...job,
    heartbeat,
    get signal() {
      isHeld();
      if (controller === undefined) {
        controller = new AbortController();
        if (lostReason !== undefined) controller.abort(lostReason);
      }
      return controller.signal;
    },
    get held() {
      return isHeld();
    },
  };

  arm();
  return {
    job: leased,
    isHeld,
    lose,
    end() {
      if (state !== 'held') return;
      state = 'ended';
      clearTimeout(timer);
    },
  };
}
