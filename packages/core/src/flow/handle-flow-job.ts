import { z } from 'zod';
import type { LeasedJob } from '../ports/job-queue';
import type { EngineCore } from '../runtime/engine-core';
import { fireDebounce } from './debounce';
import { flowJobNames } from './flow-job';
import { checkSlotList } from './run-concurrency';
import { fireBatches } from './trigger-batch';

const payloadSchema = z.object({ key: z.string().min(1) });

/**
 * Handles the flow-control jobs (`flow.concurrency`, `flow.debounce`, `flow.batch`).
 * A handler that throws fails the job, which the queue offers again later.
 *
 * @returns false for a job that is not one of them.
 */
export async function handleFlowJob(core: EngineCore, job: LeasedJob): Promise<boolean> {
  const payload = payloadSchema.safeParse(job.payload);
  if (!payload.success) return false;
  const { key } = payload.data;
  switch (job.name) {
    case flowJobNames.concurrency:
      await checkSlotList(core, job.tenantId, key);
      return true;
    case flowJobNames.debounce:
      await fireDebounce(core, job.tenantId, key);
      return true;
    case flowJobNames.batch:
      await fireBatches(core, job.tenantId, key);
      return true;
    default:
      return false;
  }
}
