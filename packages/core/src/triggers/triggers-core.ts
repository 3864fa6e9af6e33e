import type { ConnectionsCore } from '../connections/connections-core';
import type { TenantId } from '../ids';
import type { Clock } from '../ports/clock';
import type { JobQueue } from '../ports/job-queue';
import type { RunStore } from '../ports/run-store';
import type { Registry } from '../registry/create-registry';
import type { EngineLogger } from '../runtime/engine-core';
import type { RunTarget, StartRunOptions, StartRunResult } from '../runtime/runs-api';
import type { WebhookRoutes } from './webhook-routes';

/** What the trigger parts of the engine share. */
export interface TriggersCore {
  store: RunStore;
  queue: JobQueue;
  clock: Clock;
  registry: Registry;
  logger: EngineLogger;
  connections: ConnectionsCore;
  startRun(tenantId: TenantId, target: RunTarget, input: unknown, options: StartRunOptions): Promise<StartRunResult>;
  /** Webhook path lookups, cleared whenever this engine changes registrations. */
  routes: WebhookRoutes;
}

export const scheduleJobName = 'trigger.schedule';
export const pollJobName = 'trigger.poll';

/** One pending job per schedule or poll: its chain. */
export function triggerJobKey(workflowId: string, nodeId: string): string {
  return `trigger:${workflowId}:${nodeId}`;
}
