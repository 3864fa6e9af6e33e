import type { TenantId, WorkflowId, WorkflowVersionId } from '../ids';

/** Past this many workflows the hints start over: a hint saves a lookup, losing one costs one. */
const maxHints = 10_000;

/**
 * The latest version each workflow had when this engine last looked it up. A start by
 * workflow id tries the hinted version with the store's `createRunOfLatest`, which stores
 * the run only while that version is still the latest: the lookup per start goes, and a
 * version published by another process is still never missed (the store answers
 * `stale`, and the start looks the version up).
 */
export class LatestVersionHints {
  readonly #hints = new Map<string, WorkflowVersionId>();

  get(tenantId: TenantId, workflowId: WorkflowId): WorkflowVersionId | undefined {
    return this.#hints.get(keyOf(tenantId, workflowId));
  }

  set(tenantId: TenantId, workflowId: WorkflowId, versionId: WorkflowVersionId): void {
    if (this.#hints.size >= maxHints) this.#hints.clear();
    this.#hints.set(keyOf(tenantId, workflowId), versionId);
  }

  forget(tenantId: TenantId, workflowId: WorkflowId): void {
    this.#hints.delete(keyOf(tenantId, workflowId));
  }
}

const keyOf = (tenantId: TenantId, workflowId: WorkflowId): string => `${tenantId}\u0000${workflowId}`;
