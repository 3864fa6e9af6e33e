import { z } from 'zod';

/**
 * What the test tells a worker process, as JSON in its first argument: one schema for
 * the test that writes it and the worker that reads it.
 */
export const workerConfigSchema = z.object({
  /** Appears in the step counter and the step outputs, so the audit knows who ran what. */
  name: z.string().regex(/^[a-z0-9-]+$/),
  /** The SQL store (and, with the `sql` queue, the job queue). */
  connection: z.string().min(1),
  tablePrefix: z.string(),
  queue: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sql'), pollIntervalMs: z.number().int().min(1) }),
    z.object({ kind: z.literal('bullmq'), connection: z.string().min(1), queueName: z.string().min(1), prefix: z.string().min(1) }),
  ]),
  concurrency: z.number().int().min(1),
  leaseMs: z.number().int().min(100),
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** The line a worker prints on stdout once its engine leases jobs. */
export const workerReadyLine = 'worker-ready';

/**
 * Sent by the test to a worker it is about to kill: the worker holds the next step it
 * counts (never lets it finish) and prints `heldStepLine` with the step's idempotency
 * key. Killing it after that line is a kill that lands mid-step for certain, whatever
 * the timing of the machine. (SIGUSR1 would start Node's inspector.)
 */
export const holdStepSignal = 'SIGUSR2';

export function heldStepLine(idempotencyKey: string): string {
  return `held-step ${idempotencyKey}`;
}

/** Matches `heldStepLine`; the first group is the idempotency key. */
export const heldStepPattern = /^held-step (\S+)$/;
