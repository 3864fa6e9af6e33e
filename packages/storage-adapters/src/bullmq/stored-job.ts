import { asJobId, asTenantId, newId, type Job, type JobId } from '@pipewright/core';
import { z } from 'zod';

/**
 * What the adapter keeps in a BullMQ job's `data` (BullMQ stores it as JSON, so a
 * payload must be JSON: it comes back as `JSON.parse(JSON.stringify(payload))`). The
 * BullMQ job's name is the port job's `name`.
 */
export const storedJobDataSchema = z.object({
  tenantId: z.string(),
  payload: z.unknown(),
  /** The due time given at enqueue; later due times (retries, dedupe) are in `pwDue`. */
  dueAt: z.number(),
  maxAttempts: z.number().int().min(1),
  dedupeKey: z.string().optional(),
});

export type StoredJobData = z.infer<typeof storedJobDataSchema>;

export const toJobId = asJobId;

/**
 * `job_<uuid v4>`: unique across queues, and never an integer or a string with a colon,
 * which BullMQ refuses as custom ids.
 */
export const newJobId = (): JobId => asJobId(newId('job'));

/** The port's view of a stored job. */
export function toPortJob(id: string, name: string, data: StoredJobData, fields: { dueAt: number | undefined; attempt: number }): Job {
  const job: Job = {
    id: toJobId(id),
    tenantId: asTenantId(data.tenantId),
    name,
    payload: data.payload,
    dueAt: fields.dueAt ?? data.dueAt,
    attempt: fields.attempt,
    maxAttempts: data.maxAttempts,
  };
  if (data.dedupeKey !== undefined) job.dedupeKey = data.dedupeKey;
  return job;
}
