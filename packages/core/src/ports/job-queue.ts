import type { JobId, TenantId } from '../ids';

export interface JobInput {
  tenantId: TenantId;
  /** What to do, e.g. `advance`. */
  name: string;
  payload: unknown;
  /** Not before this time (ms since epoch); now when absent. */
  dueAt?: number;
  /**
   * While a job with this key waits to be leased, enqueuing another is a no-op (the
   * waiting one keeps the earlier due time). A job already leased does not count, but
   * jobs with the same key never run at once: a job waits while another job with its
   * key is leased (so one run is advanced by one worker at a time).
   */
  dedupeKey?: string;
  /** Attempts before the job is dead-lettered; default 5. */
  maxAttempts?: number;
}

export interface Job {
  id: JobId;
  tenantId: TenantId;
  name: string;
  payload: unknown;
  dueAt: number;
  /** 1 on the first lease. */
  attempt: number;
  maxAttempts: number;
  dedupeKey?: string;
}

/** A job held by one worker until its lease ends. */
export interface LeasedJob extends Job {
  /** Extends the lease; throws `lease_lost` if another worker took the job. */
  heartbeat(): Promise<void>;
  /** Aborts when the lease is lost or the worker stops abruptly. */
  signal: AbortSignal;
  /**
   * Whether this worker still holds the lease. Cheap to read on a hot path, where
   * `signal` would cost an AbortController per job.
   */
  readonly held: boolean;
}

export type JobHandler = (job: LeasedJob) => Promise<void>;

export interface ProcessOptions {
  /** Jobs handled at once by this worker. */
  concurrency?: number;
  /** How long a lease lasts without a heartbeat. */
  leaseMs?: number;
  /** Delay before a failed job is offered again: attempt → ms. */
  retryDelayMs?: (attempt: number) => number;
}

export interface QueueWorker {
  /**
   * `graceful`: stop leasing, wait for running handlers, then return. Otherwise stop at
   * once and keep the leases, as a crashed process would: they expire and another
   * worker takes the jobs.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

export interface QueueDeadLetter {
  job: Job;
  error: string;
  failedAt: number;
}

/**
 * Durable jobs with due times and leases. A handler that resolves completes the job;
 * one that throws fails it: it is retried later, and dead-lettered after
 * `maxAttempts`. A job whose lease expires is offered to workers again.
 *
 * Due jobs are handed out fairly between tenants, not first in first out: tenants with
 * due work take turns (start-time fair queuing: a job's place is its tenant's previous
 * place plus one, and never before the queue's current place), so one tenant's backlog
 * of 100,000 jobs delays another tenant's single job by a bounded number of jobs, not by
 * the backlog. Within a tenant, jobs go in due-time order.
 */
export interface JobQueue {
  enqueue(job: JobInput): Promise<{ id: JobId; deduplicated: boolean }>;
  process(handler: JobHandler, options?: ProcessOptions): QueueWorker;
  /** Jobs that exhausted their attempts, oldest first. */
  deadLetters(): Promise<QueueDeadLetter[]>;
  /** Jobs waiting or leased; for tests and metrics. */
  countPending(): Promise<number>;
  close(): Promise<void>;
}
