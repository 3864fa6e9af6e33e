import { afterEach, beforeEach, describe, expect } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import {
  asConnectionId,
  asRunId,
  asTenantId,
  asWorkflowId,
  asWorkflowVersionId,
  newId,
  type ConnectionId,
  type RunId,
  type TenantId,
  type WorkflowId,
  type WorkflowVersionId,
} from '../ids';
import { workflowSchema, type Workflow } from '../model/workflow-schema';
import type { AuditEntry, ConnectionRecord, DeadLetter, Page, RunRecord, RunStatus, RunStore, TriggerRecord, WorkflowRecord } from '../ports/run-store';
import type { RunEvent } from '../runtime/run-events';
import { contractCases } from './contract-cases';
import { pipewrightRejection, rejection } from './rejection';

export interface RunStoreContractOptions {
  /** Names the adapter in the test titles. */
  name: string;
  /** A store for one test case; each case uses fresh random tenant ids, so stores may share a database. */
  create: () => RunStore | Promise<RunStore>;
  /** Called after each case, e.g. to close a connection. */
  destroy?: (store: RunStore) => Promise<void> | void;
  /** Cases this adapter cannot pass, by name, with the reason; they show up as skipped. */
  skip?: Partial<Record<string, string>>;
}

const t0 = Date.UTC(2026, 0, 1);

const newTenant = (): TenantId => asTenantId(newId('tenant'));
const newWorkflowId = (): WorkflowId => asWorkflowId(newId('wf'));
const newVersionId = (): WorkflowVersionId => asWorkflowVersionId(newId('wfv'));
const newRunId = (): RunId => asRunId(newId('run'));
const newConnectionId = (): ConnectionId => asConnectionId(newId('conn'));

function definition(name: string): Workflow {
  return workflowSchema.parse({
    id: 'example',
    name,
    nodes: [
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'fetch', type: 'http.request', config: { url: 'https://example.com/{{ trigger.body.id }}' } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'fetch' }],
    settings: { variables: { region: 'eu' } },
  });
}

function workflowRecord(tenantId: TenantId, overrides: Partial<WorkflowRecord> = {}): WorkflowRecord {
  return { tenantId, id: newWorkflowId(), name: 'Orders', draft: definition('Orders'), latestVersion: 0, createdAt: t0, updatedAt: t0, ...overrides };
}

function runRecord(tenantId: TenantId, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    tenantId,
    id: newRunId(),
    workflowId: asWorkflowId('wf_orders'),
    versionId: asWorkflowVersionId('wfv_orders_1'),
    status: 'queued',
    createdAt: t0,
    updatedAt: t0,
    lastSeq: 0,
    ...overrides,
  };
}

function createdEvent(run: RunRecord): RunEvent {
  return {
    type: 'run.created',
    runId: run.id,
    tenantId: run.tenantId,
    workflowId: run.workflowId,
    versionId: run.versionId,
    input: { orderId: 42, lines: [{ sku: 'a', qty: 2 }] },
    triggerNodeId: 'start',
    startedAt: run.createdAt,
    resumeSecret: 'secret',
    variables: { region: 'eu' },
  };
}

function connectionRecord(tenantId: TenantId, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    tenantId,
    id: newConnectionId(),
    connectorId: 'slack',
    name: 'team slack',
    authType: 'apiKey',
    secret: 'v1.kek-1.c2VhbGVk.payload',
    keyId: 'kek-1',
    summary: { apiKey: 'xoxb-…1234' },
    version: 1,
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

function auditEntry(tenantId: TenantId, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return { tenantId, id: newId('audit'), at: t0, action: 'connection.decrypted', connectionId: asConnectionId('conn_a'), actor: { type: 'engine' }, ...overrides };
}

/** The order of `listConnections`: name, then id. */
const byName = (a: ConnectionRecord, b: ConnectionRecord): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The order of `listAudit`: newest first, by `at` then id. */
const auditNewestFirst = (a: AuditEntry, b: AuditEntry): number => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** A webhook path as the engine makes them: random, so cases sharing a database never collide. */
const newPath = (): string => newId('wh');

function triggerRecord(tenantId: TenantId, workflowId: WorkflowId, overrides: Partial<TriggerRecord> = {}): TriggerRecord {
  return {
    tenantId,
    workflowId,
    nodeId: 'start',
    versionId: asWorkflowVersionId('wfv_orders_1'),
    kind: 'manual',
    nodeType: 'core.manual',
    config: {},
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

function webhookTrigger(tenantId: TenantId, workflowId: WorkflowId, nodeId: string, overrides: Partial<TriggerRecord> = {}): TriggerRecord {
  return triggerRecord(tenantId, workflowId, { nodeId, kind: 'webhook', nodeType: 'core.webhook', path: newPath(), config: { method: 'POST' }, ...overrides });
}

function eventTrigger(tenantId: TenantId, workflowId: WorkflowId, nodeId: string, eventName: string): TriggerRecord {
  return triggerRecord(tenantId, workflowId, { nodeId, kind: 'event', nodeType: 'core.onEvent', eventName, config: { eventName } });
}

/** The path of a registration `webhookTrigger` made. */
function pathOf(trigger: TriggerRecord | undefined): string {
  if (trigger?.path === undefined) throw new Error('Not a webhook registration');
  return trigger.path;
}

/** The order of `listTriggers`: workflow id, then node id. */
const byWorkflowThenNode = (a: TriggerRecord, b: TriggerRecord): number =>
  a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;

const started = (nodeId: string): RunEvent => ({ type: 'step.started', nodeId, attempt: 1, idempotencyKey: `key-${nodeId}` });
const succeeded = (nodeId: string): RunEvent => ({ type: 'step.succeeded', nodeId, attempt: 1, output: { ok: true, nodeId }, durationMs: 5 });

/** Newest first: createdAt descending, then id descending. */
const newestFirst = (a: RunRecord, b: RunRecord): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Reads every page, checking each is no longer than `limit`. */
async function allPages<T>(limit: number, read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error('Pagination does not end');
  } while (cursor !== undefined);
  return pages;
}

/**
 * The behaviour every `RunStore` adapter must have. Call it from a test file of the
 * adapter; each case gets a store from `create` and random tenant ids.
 *
 * @example
 * ```ts
 * runStoreContract({
 *   name: 'memory',
 *   create: () => createMemoryRunStore(),
 *   skip: { 'lists runs newest first, by createdAt then id': 'example reason' },
 * });
 * ```
 */
export function runStoreContract(options: RunStoreContractOptions): void {
  const cases = contractCases(options.skip ?? {});

  describe(`RunStore contract: ${options.name}`, () => {
    let store: RunStore | undefined;
    const use = (): RunStore => {
      if (store === undefined) throw new Error('The store was not created');
      return store;
    };

    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      if (store !== undefined) await options.destroy?.(store);
      store = undefined;
    });

    const contractCase = (name: string, body: (store: () => RunStore) => Promise<void>): void => cases.define(name, () => body(use));

    contractCase('saves, reads and updates a workflow', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      expect(await store().getWorkflow(tenantId, record.id)).toEqual(record);

      const renamed = { ...record, name: 'Orders v2', draft: definition('Orders v2'), updatedAt: t0 + 5_000 };
      await store().saveWorkflow(renamed);
      expect(await store().getWorkflow(tenantId, record.id)).toEqual(renamed);
      expect(await store().getWorkflow(tenantId, newWorkflowId())).toBeUndefined();
    });

    contractCase('keeps workflows of one tenant invisible to another', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const record = workflowRecord(tenantA);
      await store().saveWorkflow(record);
      expect(await store().getWorkflow(tenantB, record.id)).toBeUndefined();
      expect((await store().listWorkflows(tenantB)).items).toEqual([]);
      expect((await store().listWorkflows(tenantA)).items).toEqual([record]);
      await expect(store().publishVersion(tenantB, record.id, newVersionId(), definition('x'), t0)).rejects.toThrow();
    });

    contractCase('lists workflows in pages without duplicates or gaps', async (store) => {
      const tenantId = newTenant();
      const records = Array.from({ length: 12 }, (_, index) => workflowRecord(tenantId, { name: `Workflow ${index}`, createdAt: t0 + Math.floor(index / 2) * 1_000 }));
      for (const record of records) await store().saveWorkflow(record);
      const pages = await allPages(5, async (cursor) => store().listWorkflows(tenantId, cursor === undefined ? { limit: 5 } : { limit: 5, cursor }));
      expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
      const ids = pages.flat().map((workflow) => workflow.id);
      expect(new Set(ids).size).toBe(12);
      expect([...ids].sort()).toEqual(records.map((record) => record.id).sort());
    });

    contractCase('does not roll back latestVersion when a draft is saved', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      await store().publishVersion(tenantId, record.id, newVersionId(), record.draft, t0 + 1_000);
      // A copy read before the publish still says latestVersion 0.
      await store().saveWorkflow({ ...record, name: 'Edited', updatedAt: t0 + 2_000 });
      const saved = await store().getWorkflow(tenantId, record.id);
      expect(saved?.name).toBe('Edited');
      expect(saved?.latestVersion).toBe(1);
      expect((await store().publishVersion(tenantId, record.id, newVersionId(), record.draft, t0 + 3_000)).version).toBe(2);
    });

    contractCase('numbers published versions from 1 and bumps latestVersion', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      const versionId = newVersionId();
      const first = await store().publishVersion(tenantId, record.id, versionId, definition('First'), t0 + 1_000);
      expect(first).toEqual({ tenantId, id: versionId, workflowId: record.id, version: 1, definition: definition('First'), createdAt: t0 + 1_000 });
      const second = await store().publishVersion(tenantId, record.id, newVersionId(), definition('Second'), t0 + 2_000);
      expect(second.version).toBe(2);
      expect((await store().getWorkflow(tenantId, record.id))?.latestVersion).toBe(2);
    });

    contractCase('gives 10 concurrent publishes the distinct versions 1 to 10', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      const published = await Promise.all(
        Array.from({ length: 10 }, (_, index) => store().publishVersion(tenantId, record.id, newVersionId(), definition(`Version ${index}`), t0 + index)),
      );
      expect(published.map((version) => version.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await store().getWorkflow(tenantId, record.id))?.latestVersion).toBe(10);
      const listed = await store().listVersions(tenantId, record.id);
      expect(listed.map((version) => version.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const version of published) expect(listed.find((item) => item.id === version.id)?.version).toBe(version.version);
    });

    contractCase('keeps stored workflows and versions safe from mutation of inputs and results', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      record.draft.nodes.push({ id: 'added', type: 'core.set', config: {} });
      record.name = 'mutated input';
      const read = await store().getWorkflow(tenantId, record.id);
      expect(read?.name).toBe('Orders');
      expect(read?.draft).toEqual(definition('Orders'));
      if (read !== undefined) read.draft.name = 'mutated result';
      expect((await store().getWorkflow(tenantId, record.id))?.draft.name).toBe('Orders');

      const input = definition('Published');
      const versionId = newVersionId();
      const published = await store().publishVersion(tenantId, record.id, versionId, input, t0);
      input.nodes.length = 0;
      published.definition.name = 'mutated result';
      published.version = 99;
      const byId = await store().getVersion(tenantId, versionId);
      expect(byId?.definition).toEqual(definition('Published'));
      expect(byId?.version).toBe(1);
      if (byId !== undefined) byId.definition.edges.length = 0;
      const [listed] = await store().listVersions(tenantId, record.id);
      expect(listed?.definition).toEqual(definition('Published'));
      if (listed !== undefined) listed.definition.settings.variables['region'] = 'us';
      expect((await store().getVersionByNumber(tenantId, record.id, 1))?.definition).toEqual(definition('Published'));
    });

    contractCase('finds versions by id and by number, within the tenant only', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      const first = await store().publishVersion(tenantId, record.id, newVersionId(), definition('One'), t0 + 1);
      const second = await store().publishVersion(tenantId, record.id, newVersionId(), definition('Two'), t0 + 2);
      expect(await store().getVersion(tenantId, first.id)).toEqual(first);
      expect(await store().getVersionByNumber(tenantId, record.id, 2)).toEqual(second);
      expect(await store().getVersionByNumber(tenantId, record.id, 3)).toBeUndefined();
      expect(await store().getVersionByNumber(tenantId, newWorkflowId(), 1)).toBeUndefined();
      expect(await store().getLatestVersionId(tenantId, record.id)).toBe(second.id);
      expect(await store().getLatestVersionId(tenantId, newWorkflowId())).toBeUndefined();
      expect(await store().getVersion(tenantId, newVersionId())).toBeUndefined();
      const other = newTenant();
      expect(await store().getVersion(other, first.id)).toBeUndefined();
      expect(await store().getVersionByNumber(other, record.id, 1)).toBeUndefined();
      expect(await store().listVersions(other, record.id)).toEqual([]);
    });

    contractCase('rejects publishing a version of an unknown workflow', async (store) => {
      const tenantId = newTenant();
      const workflowId = newWorkflowId();
      await expect(store().publishVersion(tenantId, workflowId, newVersionId(), definition('x'), t0)).rejects.toThrow();
      expect(await store().listVersions(tenantId, workflowId)).toEqual([]);
    });

    contractCase('deletes a workflow once, within its tenant only', async (store) => {
      const tenantId = newTenant();
      const other = newTenant();
      const record = workflowRecord(tenantId);
      const kept = workflowRecord(tenantId);
      const neighbour = { ...workflowRecord(other), id: record.id };
      for (const workflow of [record, kept, neighbour]) await store().saveWorkflow(workflow);

      expect(await store().deleteWorkflow(tenantId, record.id)).toBe(true);
      expect(await store().getWorkflow(tenantId, record.id)).toBeUndefined();
      expect((await store().listWorkflows(tenantId)).items).toEqual([kept]);
      expect(await store().getLatestVersionId(tenantId, record.id)).toBeUndefined();
      expect(await store().deleteWorkflow(tenantId, record.id)).toBe(false);
      expect(await store().deleteWorkflow(tenantId, newWorkflowId())).toBe(false);
      expect(await store().deleteWorkflow(newTenant(), record.id)).toBe(false);
      // The other tenant's workflow of the same id is another workflow.
      expect(await store().getWorkflow(other, record.id)).toEqual(neighbour);
      expect((await store().listWorkflows(other)).items).toEqual([neighbour]);
      await expect(store().publishVersion(tenantId, record.id, newVersionId(), definition('Gone'), t0)).rejects.toThrow();
    });

    contractCase('deletes the triggers of a deleted workflow with it, freeing its paths', async (store) => {
      const tenantId = newTenant();
      const other = newTenant();
      const record = workflowRecord(tenantId);
      const kept = workflowRecord(tenantId);
      const neighbour = { ...workflowRecord(other), id: record.id };
      for (const workflow of [record, kept, neighbour]) await store().saveWorkflow(workflow);
      const hook = webhookTrigger(tenantId, record.id, 'hook');
      const keptSet = [webhookTrigger(tenantId, kept.id, 'hook')];
      const neighbourSet = [webhookTrigger(other, record.id, 'hook'), eventTrigger(other, record.id, 'listen', 'order.created')];
      await store().replaceTriggers(tenantId, record.id, [hook, eventTrigger(tenantId, record.id, 'listen', 'order.created')]);
      await store().replaceTriggers(tenantId, kept.id, keptSet);
      await store().replaceTriggers(other, record.id, neighbourSet);

      expect(await store().deleteWorkflow(tenantId, record.id)).toBe(true);
      expect(await store().listTriggers(tenantId, record.id)).toEqual([]);
      expect(await store().listTriggers(tenantId)).toEqual(keptSet);
      expect(await store().getTriggerByPath(pathOf(hook))).toBeUndefined();
      expect(await store().listTriggersByEvent(tenantId, 'order.created')).toEqual([]);
      expect(await store().listTriggers(other)).toEqual(neighbourSet);
      expect(await store().getTriggerByPath(pathOf(neighbourSet[0]))).toEqual(neighbourSet[0]);

      // The path is free for another workflow.
      const taken = webhookTrigger(tenantId, kept.id, 'second', { path: pathOf(hook) });
      await store().replaceTriggers(tenantId, kept.id, [...keptSet, taken]);
      expect(await store().getTriggerByPath(pathOf(hook))).toEqual(taken);
    });

    contractCase('keeps the versions of a deleted workflow, and numbers a re-created one after them', async (store) => {
      const tenantId = newTenant();
      const record = workflowRecord(tenantId);
      await store().saveWorkflow(record);
      const first = await store().publishVersion(tenantId, record.id, newVersionId(), definition('One'), t0 + 1);
      const second = await store().publishVersion(tenantId, record.id, newVersionId(), definition('Two'), t0 + 2);
      expect(await store().deleteWorkflow(tenantId, record.id)).toBe(true);

      expect(await store().getVersion(tenantId, first.id)).toEqual(first);
      expect(await store().getVersion(tenantId, second.id)).toEqual(second);
      expect(await store().getVersionByNumber(tenantId, record.id, 2)).toEqual(second);
      expect(await store().listVersions(tenantId, record.id)).toEqual([first, second]);

      // Saved again, the workflow starts from its kept versions' highest number, as
      // `workflows.save` passes it: a new row takes `latestVersion` as given.
      const recreated = { ...record, name: 'Orders again', createdAt: t0 + 10, updatedAt: t0 + 10, latestVersion: second.version };
      await store().saveWorkflow(recreated);
      expect(await store().getWorkflow(tenantId, record.id)).toEqual(recreated);
      expect(await store().getLatestVersionId(tenantId, record.id)).toBe(second.id);
      const third = await store().publishVersion(tenantId, record.id, newVersionId(), definition('Three'), t0 + 11);
      expect(third.version).toBe(3);
      expect(await store().getLatestVersionId(tenantId, record.id)).toBe(third.id);
      expect((await store().listVersions(tenantId, record.id)).map((version) => version.version)).toEqual([1, 2, 3]);
      expect(await store().getVersion(tenantId, first.id)).toEqual(first);
    });

    contractCase('creates a run with its first events', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId, { createdAt: t0 + 10, updatedAt: t0 + 10 });
      const events = [createdEvent(run), started('start')];
      const result = await store().createRun(run, events);
      expect(result).toEqual({ created: true, run: { ...run, lastSeq: 2 } });
      expect(await store().getRun(tenantId, run.id)).toEqual({ ...run, lastSeq: 2 });
      expect(await store().readEvents(tenantId, run.id)).toEqual([
        { seq: 1, at: t0 + 10, event: events[0] },
        { seq: 2, at: t0 + 10, event: events[1] },
      ]);
      expect(await store().getRun(newTenant(), run.id)).toBeUndefined();
      expect(await store().readEvents(newTenant(), run.id)).toEqual([]);
    });

    contractCase('returns the existing run for a used idempotency key and writes no events', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId, { idempotencyKey: 'order-42' });
      await store().createRun(run, [createdEvent(run)]);
      const again = runRecord(tenantId, { idempotencyKey: 'order-42', createdAt: t0 + 1_000 });
      const result = await store().createRun(again, [createdEvent(again), started('start')]);
      expect(result).toEqual({ created: false, run: { ...run, lastSeq: 1 } });
      expect(await store().getRun(tenantId, again.id)).toBeUndefined();
      expect(await store().readEvents(tenantId, again.id)).toEqual([]);
      expect((await store().readEvents(tenantId, run.id)).length).toBe(1);
      expect((await store().listRuns(tenantId)).items.map((item) => item.id)).toEqual([run.id]);
    });

    contractCase('creates a run of the latest version only while it is the latest, where the store offers that', async (store) => {
      const ofLatest = store().createRunOfLatest?.bind(store());
      // An optional method: a store without it leaves the engine looking the version up on every start.
      if (ofLatest === undefined) return;
      const tenantId = newTenant();
      const workflow = workflowRecord(tenantId);
      await store().saveWorkflow(workflow);
      const first = await store().publishVersion(tenantId, workflow.id, newVersionId(), definition('One'), t0 + 1);
      const run = runRecord(tenantId, { workflowId: workflow.id, versionId: first.id, idempotencyKey: 'order-7' });
      expect(await ofLatest(run, [createdEvent(run), started('start')])).toEqual({ created: true, run: { ...run, lastSeq: 2 } });
      expect((await store().readEvents(tenantId, run.id)).length).toBe(2);

      const second = await store().publishVersion(tenantId, workflow.id, newVersionId(), definition('Two'), t0 + 2);
      const late = runRecord(tenantId, { workflowId: workflow.id, versionId: first.id });
      expect(await ofLatest(late, [createdEvent(late)])).toEqual({ stale: true });
      expect(await store().getRun(tenantId, late.id)).toBeUndefined();
      expect(await store().readEvents(tenantId, late.id)).toEqual([]);
      // A used idempotency key answers its run, whatever the version.
      const repeat = runRecord(tenantId, { workflowId: workflow.id, versionId: first.id, idempotencyKey: 'order-7' });
      expect(await ofLatest(repeat, [createdEvent(repeat)])).toEqual({ created: false, run: { ...run, lastSeq: 2 } });

      const current = runRecord(tenantId, { workflowId: workflow.id, versionId: second.id });
      expect(await ofLatest(current, [createdEvent(current)])).toEqual({ created: true, run: { ...current, lastSeq: 1 } });
      // Another tenant's workflow of the same id has no versions.
      const elsewhere = runRecord(newTenant(), { workflowId: workflow.id, versionId: second.id });
      expect(await ofLatest(elsewhere, [createdEvent(elsewhere)])).toEqual({ stale: true });
      // Several at once, fresh and stale together, as a busy engine starts them.
      const batch = [0, 1, 2, 3].map((index) => runRecord(tenantId, { workflowId: workflow.id, versionId: index % 2 === 0 ? second.id : first.id }));
      const results = await Promise.all(batch.map((each) => ofLatest(each, [createdEvent(each), started('start')])));
      expect(results.map((result) => ('stale' in result ? 'stale' : result.created))).toEqual([true, 'stale', true, 'stale']);
      expect((await store().readEvents(tenantId, (batch[2] as RunRecord).id)).map((stored) => stored.seq)).toEqual([1, 2]);
    });

    contractCase('scopes idempotency keys to the tenant', async (store) => {
      const run = runRecord(newTenant(), { idempotencyKey: 'shared-key' });
      const other = runRecord(newTenant(), { idempotencyKey: 'shared-key' });
      expect((await store().createRun(run, [createdEvent(run)])).created).toBe(true);
      const result = await store().createRun(other, [createdEvent(other)]);
      expect(result.created).toBe(true);
      expect(result.run.id).toBe(other.id);
    });

    contractCase('rejects an append with a stale expected sequence number', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId);
      await store().createRun(run, [createdEvent(run)]);
      expect(await store().appendEvents(tenantId, run.id, 1, [started('a')], undefined, t0 + 1)).toEqual({ ok: true, lastSeq: 2 });
      expect(await store().appendEvents(tenantId, run.id, 1, [succeeded('a')], { status: 'succeeded' }, t0 + 2)).toEqual({ ok: false, reason: 'conflict', lastSeq: 2 });
      expect(await store().appendEvents(tenantId, run.id, 5, [succeeded('a')], undefined, t0 + 2)).toEqual({ ok: false, reason: 'conflict', lastSeq: 2 });
      const stored = await store().getRun(tenantId, run.id);
      expect(stored?.lastSeq).toBe(2);
      expect(stored?.status).toBe('queued');
      expect((await store().readEvents(tenantId, run.id)).map((event) => event.event.type)).toEqual(['run.created', 'step.started']);
      expect(await store().appendEvents(tenantId, newRunId(), 0, [started('a')])).toEqual({ ok: false, reason: 'not_found' });
      expect(await store().appendEvents(newTenant(), run.id, 2, [started('a')])).toEqual({ ok: false, reason: 'not_found' });
    });

    contractCase('reads the events after any sequence number, one inside an append of several too, alone or with concurrent reads', async (store) => {
      const tenantId = newTenant();
      const runs = [runRecord(tenantId), runRecord(tenantId), runRecord(tenantId)];
      for (const run of runs) {
        await store().createRun(run, [createdEvent(run), started('start')]);
        expect(await store().appendEvents(tenantId, run.id, 2, [succeeded('start'), started('a'), succeeded('a'), started('b')], undefined, t0 + 1)).toEqual({ ok: true, lastSeq: 6 });
        expect(await store().appendEvents(tenantId, run.id, 6, [succeeded('b')], undefined, t0 + 2)).toEqual({ ok: true, lastSeq: 7 });
      }
      const run = runs[0] as RunRecord;
      const all = await store().readEvents(tenantId, run.id);
      expect(all.map((stored) => stored.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(all.map((stored) => stored.event.type)).toEqual(['run.created', 'step.started', 'step.succeeded', 'step.started', 'step.succeeded', 'step.started', 'step.succeeded']);
      expect(all.map((stored) => stored.at)).toEqual([t0, t0, t0 + 1, t0 + 1, t0 + 1, t0 + 1, t0 + 2]);
      const afters = [0, 1, 2, 3, 4, 5, 6, 7];
      for (const after of afters) expect(await store().readEvents(tenantId, run.id, after)).toEqual(all.slice(after));
      // Together, as a busy worker's reads are: a store may read several runs in one statement.
      const reads = await Promise.all(afters.flatMap((after) => runs.map(async (each) => ({ each, after, read: await store().readEvents(tenantId, each.id, after) }))));
      for (const { each, after, read } of reads) {
        expect(read.map((stored) => stored.seq)).toEqual(all.slice(after).map((stored) => stored.seq));
        expect(read.every((stored) => stored.event.type !== 'run.created' || stored.event.runId === each.id)).toBe(true);
      }
    });

    contractCase('lets exactly one of two concurrent appends with the same expected sequence number win', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId);
      await store().createRun(run, [createdEvent(run)]);
      const results = await Promise.all([
        store().appendEvents(tenantId, run.id, 1, [started('a'), succeeded('a')], { status: 'running' }, t0 + 1),
        store().appendEvents(tenantId, run.id, 1, [started('b')], { status: 'failed' }, t0 + 1),
      ]);
      const wins = results.filter((result) => result.ok);
      const losses = results.filter((result) => !result.ok);
      expect(wins).toHaveLength(1);
      expect(losses).toHaveLength(1);
      expect(losses[0]).toMatchObject({ ok: false, reason: 'conflict' });
      const events = await store().readEvents(tenantId, run.id);
      const stored = await store().getRun(tenantId, run.id);
      expect(stored?.lastSeq).toBe(events.length);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      const winnerWroteA = results[0]?.ok === true;
      expect(events.map((event) => event.event.type)).toEqual(winnerWroteA ? ['run.created', 'step.started', 'step.succeeded'] : ['run.created', 'step.started']);
      expect(stored?.status).toBe(winnerWroteA ? 'running' : 'failed');
    });

    contractCase('applies the patch with an append', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId);
      await store().createRun(run, [createdEvent(run)]);
      await store().appendEvents(tenantId, run.id, 1, [started('a')], { status: 'running' }, t0 + 1_000);
      let stored = await store().getRun(tenantId, run.id);
      expect(stored).toEqual({ ...run, status: 'running', updatedAt: t0 + 1_000, lastSeq: 2 });
      expect(stored?.finishedAt).toBeUndefined();

      const finished: RunEvent = { type: 'run.succeeded', output: { done: true } };
      expect(await store().appendEvents(tenantId, run.id, 2, [succeeded('a'), finished], { status: 'succeeded', finishedAt: t0 + 2_000 }, t0 + 2_000)).toEqual({
        ok: true,
        lastSeq: 4,
      });
      stored = await store().getRun(tenantId, run.id);
      expect(stored).toEqual({ ...run, status: 'succeeded', finishedAt: t0 + 2_000, updatedAt: t0 + 2_000, lastSeq: 4 });
      expect((await store().listRuns(tenantId, { status: 'succeeded' })).items.map((item) => item.id)).toEqual([run.id]);
    });

    contractCase('reads events after a sequence number', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId);
      const events = [createdEvent(run), started('a'), succeeded('a'), started('b'), succeeded('b')];
      await store().createRun(run, events.slice(0, 1));
      await store().appendEvents(tenantId, run.id, 1, events.slice(1, 3), undefined, t0 + 100);
      await store().appendEvents(tenantId, run.id, 3, events.slice(3), undefined, t0 + 200);
      const all = await store().readEvents(tenantId, run.id);
      expect(all).toEqual([
        { seq: 1, at: t0, event: events[0] },
        { seq: 2, at: t0 + 100, event: events[1] },
        { seq: 3, at: t0 + 100, event: events[2] },
        { seq: 4, at: t0 + 200, event: events[3] },
        { seq: 5, at: t0 + 200, event: events[4] },
      ]);
      expect(await store().readEvents(tenantId, run.id, 0)).toEqual(all);
      expect(await store().readEvents(tenantId, run.id, 3)).toEqual(all.slice(3));
      expect(await store().readEvents(tenantId, run.id, 5)).toEqual([]);
      expect(await store().readEvents(tenantId, run.id, 9)).toEqual([]);
    });

    contractCase('lists runs newest first, by createdAt then id, within the tenant', async (store) => {
      const tenantId = newTenant();
      // Created out of order, with ties on createdAt.
      const runs = [3, 1, 2, 2, 1, 3, 0].map((offset) => runRecord(tenantId, { createdAt: t0 + offset * 1_000 }));
      for (const run of runs) await store().createRun(run, [createdEvent(run)]);
      const other = runRecord(newTenant(), { createdAt: t0 + 5_000 });
      await store().createRun(other, [createdEvent(other)]);
      const page = await store().listRuns(tenantId);
      expect(page.items.map((run) => run.id)).toEqual([...runs].sort(newestFirst).map((run) => run.id));
      expect(page.items[0]).toEqual({ ...[...runs].sort(newestFirst)[0], lastSeq: 1 });
      expect(page.nextCursor).toBeUndefined();
    });

    contractCase('filters runs by workflow, status, status list and parent run', async (store) => {
      const tenantId = newTenant();
      const workflowA = asWorkflowId('wf_a');
      const workflowB = asWorkflowId('wf_b');
      const parent = runRecord(tenantId, { workflowId: workflowA, status: 'running', createdAt: t0 });
      const specs: { workflowId: WorkflowId; status: RunStatus; child: boolean }[] = [
        { workflowId: workflowA, status: 'succeeded', child: true },
        { workflowId: workflowA, status: 'failed', child: false },
        { workflowId: workflowB, status: 'succeeded', child: true },
        { workflowId: workflowB, status: 'waiting', child: false },
        { workflowId: workflowB, status: 'queued', child: false },
      ];
      const runs = [parent];
      await store().createRun(parent, [createdEvent(parent)]);
      for (const [index, spec] of specs.entries()) {
        const run = runRecord(tenantId, {
          workflowId: spec.workflowId,
          status: spec.status,
          createdAt: t0 + (index + 1) * 1_000,
          ...(spec.child ? { parentRunId: parent.id } : {}),
        });
        runs.push(run);
        await store().createRun(run, [createdEvent(run)]);
      }
      const ids = async (filter: Parameters<RunStore['listRuns']>[1]): Promise<RunId[]> => (await store().listRuns(tenantId, filter)).items.map((run) => run.id);
      const expected = (predicate: (run: RunRecord) => boolean): RunId[] => runs.filter(predicate).sort(newestFirst).map((run) => run.id);

      expect(await ids({ workflowId: workflowA })).toEqual(expected((run) => run.workflowId === workflowA));
      expect(await ids({ status: 'succeeded' })).toEqual(expected((run) => run.status === 'succeeded'));
      expect(await ids({ status: ['waiting', 'queued', 'running'] })).toEqual(expected((run) => ['waiting', 'queued', 'running'].includes(run.status)));
      expect(await ids({ parentRunId: parent.id })).toEqual(expected((run) => run.parentRunId === parent.id));
      expect(await ids({ workflowId: workflowB, status: 'succeeded', parentRunId: parent.id })).toEqual(
        expected((run) => run.workflowId === workflowB && run.status === 'succeeded' && run.parentRunId === parent.id),
      );
      expect(await ids({ workflowId: asWorkflowId('wf_none') })).toEqual([]);
      expect(await ids({ status: [] })).toEqual([]);
    });

    contractCase('filters runs by createdAfter and createdBefore, both exclusive', async (store) => {
      const tenantId = newTenant();
      const runs = [0, 1, 2, 3, 4].map((offset) => runRecord(tenantId, { createdAt: t0 + offset * 1_000 }));
      for (const run of runs) await store().createRun(run, [createdEvent(run)]);
      const ids = async (createdAfter?: number, createdBefore?: number): Promise<RunId[]> =>
        (
          await store().listRuns(tenantId, {
            ...(createdAfter === undefined ? {} : { createdAfter }),
            ...(createdBefore === undefined ? {} : { createdBefore }),
          })
        ).items.map((run) => run.id);
      const idsOf = (...indexes: number[]): RunId[] => indexes.map((index) => (runs[index] as RunRecord).id);
      expect(await ids(t0 + 1_000)).toEqual(idsOf(4, 3, 2));
      expect(await ids(undefined, t0 + 3_000)).toEqual(idsOf(2, 1, 0));
      expect(await ids(t0 + 500, t0 + 3_500)).toEqual(idsOf(3, 2, 1));
      expect(await ids(t0 + 2_000, t0 + 3_000)).toEqual([]);
    });

    contractCase('pages through 20 runs in pages of 7 without duplicates or gaps', async (store) => {
      const tenantId = newTenant();
      const runs = Array.from({ length: 20 }, (_, index) => runRecord(tenantId, { createdAt: t0 + Math.floor(index / 3) * 1_000 }));
      for (const run of runs) await store().createRun(run, [createdEvent(run)]);
      const pages = await allPages(7, async (cursor) => store().listRuns(tenantId, {}, cursor === undefined ? { limit: 7 } : { limit: 7, cursor }));
      expect(pages.map((page) => page.length)).toEqual([7, 7, 6]);
      expect(pages.flat().map((run) => run.id)).toEqual([...runs].sort(newestFirst).map((run) => run.id));
    });

    contractCase('pages through filtered runs', async (store) => {
      const tenantId = newTenant();
      const runs = Array.from({ length: 15 }, (_, index) =>
        runRecord(tenantId, { status: index % 3 === 0 ? 'failed' : 'succeeded', createdAt: t0 + Math.floor(index / 2) * 1_000 }),
      );
      for (const run of runs) await store().createRun(run, [createdEvent(run)]);
      const pages = await allPages(2, async (cursor) => store().listRuns(tenantId, { status: 'failed' }, cursor === undefined ? { limit: 2 } : { limit: 2, cursor }));
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat().map((run) => run.id)).toEqual(
        runs
          .filter((run) => run.status === 'failed')
          .sort(newestFirst)
          .map((run) => run.id),
      );
    });

    contractCase('returns 50 runs per page by default', async (store) => {
      const tenantId = newTenant();
      const runs = Array.from({ length: 51 }, (_, index) => runRecord(tenantId, { createdAt: t0 + index }));
      for (const run of runs) await store().createRun(run, [createdEvent(run)]);
      const first = await store().listRuns(tenantId);
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).toBeDefined();
      const second = await store().listRuns(tenantId, {}, first.nextCursor === undefined ? {} : { cursor: first.nextCursor });
      expect(second.items.map((run) => run.id)).toEqual([(runs[0] as RunRecord).id]);
      expect(second.nextCursor).toBeUndefined();
    });

    contractCase('rejects a malformed cursor with invalid_cursor', async (store) => {
      const tenantId = newTenant();
      const run = runRecord(tenantId);
      await store().createRun(run, [createdEvent(run)]);
      const jsonOfWrongShape = btoa(JSON.stringify({ hello: 'world' })).replaceAll('=', '');
      for (const cursor of ['not a cursor!', 'AAAA', jsonOfWrongShape, '']) {
        const error = await rejection(store().listRuns(tenantId, {}, { cursor, limit: 1 }));
        expect(PipewrightError.is(error) && error.code).toBe('invalid_cursor');
      }
    });

    contractCase('adds, lists and removes dead letters per tenant', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const letter = (tenantId: TenantId, failedAt: number): DeadLetter => ({
        tenantId,
        id: newId('dl'),
        jobName: 'advance',
        payload: { runId: 'run_1', nested: [1, 2] },
        error: 'boom',
        attempts: 5,
        failedAt,
      });
      const lettersA = [letter(tenantA, t0 + 1), letter(tenantA, t0 + 3), letter(tenantA, t0 + 2)];
      const letterB = letter(tenantB, t0 + 4);
      for (const item of [...lettersA, letterB]) await store().addDeadLetter(item);

      const listedA = await store().listDeadLetters(tenantA);
      expect(listedA.items).toEqual([lettersA[1], lettersA[2], lettersA[0]]);
      expect(listedA.nextCursor).toBeUndefined();
      expect((await store().listDeadLetters(tenantB)).items).toEqual([letterB]);

      const pages = await allPages(2, async (cursor) => store().listDeadLetters(tenantA, cursor === undefined ? { limit: 2 } : { limit: 2, cursor }));
      expect(pages.flat()).toEqual(listedA.items);

      expect(await store().removeDeadLetter(tenantB, (lettersA[0] as DeadLetter).id)).toBe(false);
      expect(await store().removeDeadLetter(tenantA, (lettersA[0] as DeadLetter).id)).toBe(true);
      expect(await store().removeDeadLetter(tenantA, (lettersA[0] as DeadLetter).id)).toBe(false);
      expect((await store().listDeadLetters(tenantA)).items).toEqual([lettersA[1], lettersA[2]]);
      expect((await store().listDeadLetters(tenantB)).items).toEqual([letterB]);
    });

    contractCase('writes flow state only at the expected version', async (store) => {
      const tenantId = newTenant();
      expect(await store().getFlowState(tenantId, 'breaker:shop')).toBeUndefined();
      const first = await store().putFlowState(tenantId, 'breaker:shop', { state: 'closed', failures: [t0] }, 0, t0);
      expect(first).toEqual({ tenantId, key: 'breaker:shop', value: { state: 'closed', failures: [t0] }, version: 1, updatedAt: t0 });
      // A second creator and a writer holding an old version both lose.
      expect(await store().putFlowState(tenantId, 'breaker:shop', { state: 'open' }, 0, t0 + 1)).toBeUndefined();
      const second = await store().putFlowState(tenantId, 'breaker:shop', { state: 'open', until: t0 + 5 }, 1, t0 + 2);
      expect(second?.version).toBe(2);
      expect(await store().putFlowState(tenantId, 'breaker:shop', { state: 'closed' }, 1, t0 + 3)).toBeUndefined();
      expect(await store().getFlowState(tenantId, 'breaker:shop')).toEqual({ tenantId, key: 'breaker:shop', value: { state: 'open', until: t0 + 5 }, version: 2, updatedAt: t0 + 2 });
      expect(await store().getFlowState(newTenant(), 'breaker:shop')).toBeUndefined();
    });

    contractCase('lets one of many concurrent writers of a flow state version win', async (store) => {
      const tenantId = newTenant();
      await store().putFlowState(tenantId, 'slots:wf', { holders: [] }, 0, t0);
      const results = await Promise.all(Array.from({ length: 8 }, (_, index) => store().putFlowState(tenantId, 'slots:wf', { holders: [index] }, 1, t0 + 1)));
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect((await store().getFlowState(tenantId, 'slots:wf'))?.value).toEqual(winners[0]?.value);
    });

    contractCase('deletes flow state, at a version when one is given', async (store) => {
      const tenantId = newTenant();
      await store().putFlowState(tenantId, 'debounce:a', { n: 1 }, 0, t0);
      expect(await store().deleteFlowState(tenantId, 'debounce:a', 2)).toBe(false);
      expect(await store().deleteFlowState(newTenant(), 'debounce:a')).toBe(false);
      expect(await store().deleteFlowState(tenantId, 'debounce:a', 1)).toBe(true);
      expect(await store().getFlowState(tenantId, 'debounce:a')).toBeUndefined();
      expect(await store().deleteFlowState(tenantId, 'debounce:a')).toBe(false);
      // A deleted key starts again from version 0.
      expect((await store().putFlowState(tenantId, 'debounce:a', { n: 2 }, 0, t0))?.version).toBe(1);
    });

    contractCase('lists flow states by key prefix in key order, page by page', async (store) => {
      const tenantId = newTenant();
      const keys = ['breaker:b', 'breaker:a', 'breaker:c:1', 'rate:a', 'breaker:c'];
      for (const key of keys) await store().putFlowState(tenantId, key, { key }, 0, t0);
      await store().putFlowState(newTenant(), 'breaker:z', {}, 0, t0);
      const all = await store().listFlowStates(tenantId, 'breaker:');
      expect(all.items.map((item) => item.key)).toEqual(['breaker:a', 'breaker:b', 'breaker:c', 'breaker:c:1']);
      expect(all.items[0]).toEqual({ tenantId, key: 'breaker:a', value: { key: 'breaker:a' }, version: 1, updatedAt: t0 });
      expect(all.nextCursor).toBeUndefined();
      const pages = await allPages(3, async (cursor) => store().listFlowStates(tenantId, 'breaker:', cursor === undefined ? { limit: 3 } : { limit: 3, cursor }));
      expect(pages.flat().map((item) => item.key)).toEqual(['breaker:a', 'breaker:b', 'breaker:c', 'breaker:c:1']);
      // A prefix is not a pattern: LIKE wildcards in it match only themselves.
      await store().putFlowState(tenantId, 'x%_y', {}, 0, t0);
      await store().putFlowState(tenantId, 'xaay', {}, 0, t0);
      expect((await store().listFlowStates(tenantId, 'x%_')).items.map((item) => item.key)).toEqual(['x%_y']);
    });

    contractCase('creates and reads a connection, with its summary and an optional expiry', async (store) => {
      const tenantId = newTenant();
      const apiKey = connectionRecord(tenantId);
      expect(await store().createConnection(apiKey)).toBe(true);
      expect(await store().getConnection(tenantId, apiKey.id)).toEqual(apiKey);

      // A long sealed token, a name outside ASCII, and several summary fields round-trip.
      const oauth = connectionRecord(tenantId, {
        connectorId: 'google-sheets',
        name: 'Ünïcode ✓ 表 🚀',
        authType: 'oauth2',
        secret: `v1.kek-1.${'A'.repeat(20_000)}`,
        summary: { accessToken: 'ya29…wxyz', refreshToken: '1//…abcd', scope: 'sheets.readonly' },
        expiresAt: t0 + 3_600_000,
      });
      expect(await store().createConnection(oauth)).toBe(true);
      const read = await store().getConnection(tenantId, oauth.id);
      expect(read).toEqual(oauth);
      expect((await store().getConnection(tenantId, apiKey.id))?.expiresAt).toBeUndefined();

      // Neither the caller's object nor a result is the stored one.
      apiKey.summary['apiKey'] = 'mutated input';
      if (read !== undefined) read.summary['scope'] = 'mutated result';
      expect((await store().getConnection(tenantId, apiKey.id))?.summary).toEqual({ apiKey: 'xoxb-…1234' });
      expect((await store().getConnection(tenantId, oauth.id))?.summary['scope']).toBe('sheets.readonly');
      expect(await store().getConnection(tenantId, newConnectionId())).toBeUndefined();
    });

    contractCase('refuses a taken connection id in the tenant, but not in another tenant', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const first = connectionRecord(tenantA);
      expect(await store().createConnection(first)).toBe(true);
      expect(await store().createConnection({ ...first, name: 'second', secret: 'other' })).toBe(false);
      expect(await store().getConnection(tenantA, first.id)).toEqual(first);

      const sameIdElsewhere = connectionRecord(tenantB, { id: first.id, name: 'tenant b' });
      expect(await store().createConnection(sameIdElsewhere)).toBe(true);
      expect(await store().getConnection(tenantB, first.id)).toEqual(sameIdElsewhere);
      expect(await store().getConnection(tenantA, first.id)).toEqual(first);
    });

    contractCase('keeps connections and audit entries of one tenant invisible to another', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const record = connectionRecord(tenantA);
      await store().createConnection(record);
      const entry = auditEntry(tenantA, { connectionId: record.id });
      await store().appendAudit(entry);

      expect(await store().getConnection(tenantB, record.id)).toBeUndefined();
      expect((await store().listConnections(tenantB)).items).toEqual([]);
      expect(await store().updateConnection({ ...record, tenantId: tenantB, name: 'stolen' }, 1)).toBeUndefined();
      expect(await store().deleteConnection(tenantB, record.id)).toBe(false);
      expect((await store().listAudit(tenantB)).items).toEqual([]);
      expect((await store().listAudit(tenantB, { connectionId: record.id })).items).toEqual([]);

      expect(await store().getConnection(tenantA, record.id)).toEqual(record);
      expect((await store().listConnections(tenantA)).items).toEqual([record]);
      expect((await store().listAudit(tenantA)).items).toEqual([entry]);
      // Nothing leaked into tenant B's rows either.
      expect(await store().getConnection(tenantB, record.id)).toBeUndefined();
    });

    contractCase('lists connections by name then id, page by page, and by connector', async (store) => {
      const tenantId = newTenant();
      const specs: [name: string, connectorId: string][] = [
        ['beta', 'slack'],
        ['alpha', 'github'],
        ['gamma', 'slack'],
        ['alpha', 'slack'],
        ['beta', 'github'],
        ['delta', 'slack'],
        ['alpha', 'slack'],
      ];
      const records = specs.map(([name, connectorId]) => connectionRecord(tenantId, { name, connectorId }));
      for (const record of records) await store().createConnection(record);
      await store().createConnection(connectionRecord(newTenant(), { name: 'aaa' }));

      const all = await store().listConnections(tenantId);
      expect(all.items).toEqual([...records].sort(byName));
      expect(all.nextCursor).toBeUndefined();

      const pages = await allPages(3, async (cursor) => store().listConnections(tenantId, {}, cursor === undefined ? { limit: 3 } : { limit: 3, cursor }));
      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat().map((record) => record.id)).toEqual([...records].sort(byName).map((record) => record.id));

      const slack = await allPages(2, async (cursor) => store().listConnections(tenantId, { connectorId: 'slack' }, cursor === undefined ? { limit: 2 } : { limit: 2, cursor }));
      expect(slack.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(slack.flat().map((record) => record.id)).toEqual(
        records
          .filter((record) => record.connectorId === 'slack')
          .sort(byName)
          .map((record) => record.id),
      );
      expect((await store().listConnections(tenantId, { connectorId: 'none' })).items).toEqual([]);

      const error = await rejection(store().listConnections(tenantId, {}, { cursor: 'not a cursor!' }));
      expect(PipewrightError.is(error) && error.code).toBe('invalid_cursor');
    });

    contractCase('updates a connection only at the expected version, keeping what identifies it', async (store) => {
      const tenantId = newTenant();
      const record = connectionRecord(tenantId, { createdAt: t0, updatedAt: t0 });
      await store().createConnection(record);

      const changes = {
        name: 'renamed',
        authType: 'oauth2',
        secret: 'v1.kek-2.resealed',
        keyId: 'kek-2',
        summary: { accessToken: 'ya29…9876' },
        expiresAt: t0 + 60_000,
        updatedAt: t0 + 1_000,
      };
      // Id, tenant, connector and creation time are not the update's to change.
      const updated = await store().updateConnection({ ...record, ...changes, connectorId: 'github', createdAt: t0 + 999, version: 7 }, 1);
      const expected: ConnectionRecord = { ...record, ...changes, version: 2 };
      expect(updated).toEqual(expected);
      expect(await store().getConnection(tenantId, record.id)).toEqual(expected);

      // A writer that read version 1 lost: nothing changes.
      expect(await store().updateConnection({ ...record, name: 'stale' }, 1)).toBeUndefined();
      expect(await store().getConnection(tenantId, record.id)).toEqual(expected);

      // The mutable fields are replaced as a whole: an absent expiry clears it.
      const { expiresAt: _expiresAt, ...withoutExpiry } = expected;
      const third = await store().updateConnection({ ...withoutExpiry, authType: 'bearer', updatedAt: t0 + 2_000 }, 2);
      expect(third).toEqual({ ...withoutExpiry, authType: 'bearer', updatedAt: t0 + 2_000, version: 3 });
      expect((await store().getConnection(tenantId, record.id))?.expiresAt).toBeUndefined();

      const missing = connectionRecord(tenantId);
      expect(await store().updateConnection(missing, 1)).toBeUndefined();
      expect(await store().updateConnection(missing, 0)).toBeUndefined();
      expect(await store().getConnection(tenantId, missing.id)).toBeUndefined();
    });

    contractCase('lets one of many concurrent updates of a connection version win', async (store) => {
      const tenantId = newTenant();
      const record = connectionRecord(tenantId);
      await store().createConnection(record);
      const results = await Promise.all(Array.from({ length: 8 }, (_, index) => store().updateConnection({ ...record, name: `writer ${index}` }, 1)));
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.version).toBe(2);
      expect(await store().getConnection(tenantId, record.id)).toEqual(winners[0]);
    });

    contractCase('deletes a connection and keeps its audit trail', async (store) => {
      const tenantId = newTenant();
      const record = connectionRecord(tenantId);
      const other = connectionRecord(tenantId, { name: 'other' });
      await store().createConnection(record);
      await store().createConnection(other);
      const entry = auditEntry(tenantId, { connectionId: record.id, action: 'connection.created', actor: { type: 'user', userId: 'u_1' } });
      await store().appendAudit(entry);

      expect(await store().deleteConnection(tenantId, record.id)).toBe(true);
      expect(await store().getConnection(tenantId, record.id)).toBeUndefined();
      expect(await store().deleteConnection(tenantId, record.id)).toBe(false);
      expect(await store().deleteConnection(tenantId, newConnectionId())).toBe(false);
      expect((await store().listConnections(tenantId)).items).toEqual([other]);
      expect((await store().listAudit(tenantId, { connectionId: record.id })).items).toEqual([entry]);
      // The id is free again.
      expect(await store().createConnection(record)).toBe(true);
    });

    contractCase('finds connections of every tenant whose secret another key wraps', async (store) => {
      // Key ids of this case only: rows of other cases sharing the database never carry them.
      const oldKey = newId('kek');
      const newKey = newId('kek');
      const tenantA = newTenant();
      const tenantB = newTenant();
      const stale = [connectionRecord(tenantA, { keyId: oldKey }), connectionRecord(tenantA, { keyId: oldKey, name: 'second' }), connectionRecord(tenantB, { keyId: oldKey })];
      const current = [connectionRecord(tenantA, { keyId: newKey }), connectionRecord(tenantB, { keyId: newKey })];
      for (const record of [...stale, ...current]) await store().createConnection(record);

      const ours = new Set<string>([tenantA, tenantB]);
      // Other cases' rows are not wrapped by `newKey` either: keep to this case's tenants.
      const notWrapped = async (limit: number): Promise<ConnectionRecord[]> => (await store().listConnectionsNotWrappedBy(newKey, limit)).filter((record) => ours.has(record.tenantId));
      const sortById = (records: ConnectionRecord[]): ConnectionRecord[] => [...records].sort((a, b) => (a.tenantId + a.id < b.tenantId + b.id ? -1 : 1));
      expect(sortById(await notWrapped(100_000))).toEqual(sortById(stale));

      const few = await store().listConnectionsNotWrappedBy(newKey, 2);
      expect(few).toHaveLength(2);
      for (const record of few) expect(record.keyId).not.toBe(newKey);

      // Re-wrapping a row takes it off the list, as a key rotation does batch by batch.
      const [first] = stale as [ConnectionRecord];
      await store().updateConnection({ ...first, keyId: newKey, secret: 'v1.rewrapped' }, 1);
      expect(sortById(await notWrapped(100_000))).toEqual(sortById(stale.slice(1)));
      expect((await store().listConnectionsNotWrappedBy(oldKey, 100_000)).filter((record) => ours.has(record.tenantId)).map((record) => record.keyId)).toEqual(
        expect.not.arrayContaining([oldKey]),
      );
    });

    contractCase('appends audit entries and lists them newest first, page by page, by connection', async (store) => {
      const tenantId = newTenant();
      const connectionA = newConnectionId();
      const connectionB = newConnectionId();
      const runId = newRunId();
      const entries = [
        auditEntry(tenantId, { at: t0 + 2_000, connectionId: connectionA, action: 'connection.created', actor: { type: 'user', userId: 'u_1' } }),
        auditEntry(tenantId, { at: t0 + 1_000, connectionId: connectionB, action: 'connection.tested', actor: { type: 'user' } }),
        auditEntry(tenantId, { at: t0 + 3_000, connectionId: connectionA, actor: { type: 'run', runId, nodeId: 'post' }, detail: { purpose: 'step' } }),
        auditEntry(tenantId, { at: t0 + 3_000, connectionId: connectionB, actor: { type: 'run', runId, nodeId: 'fetch' }, detail: { purpose: 'step', attempt: '2' } }),
        auditEntry(tenantId, { at: t0 + 3_000, connectionId: connectionA, action: 'connection.refreshed', actor: { type: 'engine' } }),
        auditEntry(tenantId, { at: t0 + 4_000, connectionId: connectionA, action: 'connection.rewrapped', actor: { type: 'engine' }, detail: { from: 'kek-1', to: 'kek-2' } }),
        auditEntry(tenantId, { at: t0 + 500, connectionId: connectionA, action: 'connection.deleted', actor: { type: 'user', userId: 'u_2' } }),
      ];
      for (const entry of entries) await store().appendAudit(entry);
      await store().appendAudit(auditEntry(newTenant(), { at: t0 + 3_500, connectionId: connectionA }));

      const all = await store().listAudit(tenantId);
      expect(all.items).toEqual([...entries].sort(auditNewestFirst));
      expect(all.nextCursor).toBeUndefined();

      const pages = await allPages(3, async (cursor) => store().listAudit(tenantId, {}, cursor === undefined ? { limit: 3 } : { limit: 3, cursor }));
      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(all.items);

      const ofA = await allPages(2, async (cursor) => store().listAudit(tenantId, { connectionId: connectionA }, cursor === undefined ? { limit: 2 } : { limit: 2, cursor }));
      expect(ofA.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(ofA.flat()).toEqual(entries.filter((entry) => entry.connectionId === connectionA).sort(auditNewestFirst));
      expect((await store().listAudit(tenantId, { connectionId: newConnectionId() })).items).toEqual([]);

      const error = await rejection(store().listAudit(tenantId, {}, { cursor: 'not a cursor!' }));
      expect(PipewrightError.is(error) && error.code).toBe('invalid_cursor');
    });

    contractCase('registers triggers and reads them back, with their config and an optional path and event name', async (store) => {
      const tenantId = newTenant();
      const workflowId = newWorkflowId();
      const hook = webhookTrigger(tenantId, workflowId, 'webhook', {
        config: { method: 'POST', auth: { type: 'header', name: 'X-Token' }, respond: 'onReceived', limits: [1, 2.5, null, true], note: 'Ünïcode ✓ 表 🚀' },
      });
      // Node ids are case-sensitive: these are two nodes, listed in byte order.
      const otherHook = webhookTrigger(tenantId, workflowId, 'Webhook', { versionId: asWorkflowVersionId('wfv_orders_2'), createdAt: t0 + 1_000, updatedAt: t0 + 2_000 });
      const onEvent = eventTrigger(tenantId, workflowId, 'on_event', 'order.created');
      const schedule = triggerRecord(tenantId, workflowId, { nodeId: 'every_hour', kind: 'schedule', nodeType: 'core.schedule', config: { cron: '0 * * * *', timezone: 'Europe/Berlin' } });
      const manual = triggerRecord(tenantId, workflowId);
      const set = [hook, otherHook, onEvent, schedule, manual];
      await store().replaceTriggers(tenantId, workflowId, set);

      const listed = await store().listTriggers(tenantId, workflowId);
      expect(listed).toEqual([...set].sort(byWorkflowThenNode));
      expect(listed.map((trigger) => trigger.nodeId)).toEqual(['Webhook', 'every_hour', 'on_event', 'start', 'webhook']);
      // Absent stays absent: no `path: undefined`, no null.
      const readSchedule = listed.find((trigger) => trigger.nodeId === 'every_hour');
      expect(readSchedule).not.toHaveProperty('path');
      expect(readSchedule).not.toHaveProperty('eventName');
      expect(await store().listTriggers(tenantId)).toEqual(listed);
      expect(await store().getTriggerByPath(pathOf(hook))).toEqual(hook);
      expect(await store().getTriggerByPath(pathOf(otherHook))).toEqual(otherHook);
      expect(await store().getTriggerByPath(newPath())).toBeUndefined();

      // Neither the caller's objects nor a result is the stored one.
      (hook.config as { method: string }).method = 'mutated input';
      const found = await store().getTriggerByPath(pathOf(otherHook));
      if (found !== undefined) (found.config as { method: string }).method = 'mutated result';
      expect((await store().getTriggerByPath(pathOf(hook)))?.config).toMatchObject({ method: 'POST' });
      expect((await store().getTriggerByPath(pathOf(otherHook)))?.config).toEqual({ method: 'POST' });
      expect(await store().listTriggers(tenantId, newWorkflowId())).toEqual([]);
    });

    contractCase("swaps a workflow's whole set of triggers at once", async (store) => {
      const tenantId = newTenant();
      const workflowId = newWorkflowId();
      const neighbourId = newWorkflowId();
      const first = [webhookTrigger(tenantId, workflowId, 'a'), webhookTrigger(tenantId, workflowId, 'b'), eventTrigger(tenantId, workflowId, 'c', 'order.paid')];
      const neighbour = [webhookTrigger(tenantId, neighbourId, 'a')];
      await store().replaceTriggers(tenantId, workflowId, first);
      await store().replaceTriggers(tenantId, neighbourId, neighbour);

      const v2 = asWorkflowVersionId('wfv_orders_2');
      const second = [webhookTrigger(tenantId, workflowId, 'b', { versionId: v2 }), triggerRecord(tenantId, workflowId, { nodeId: 'd', versionId: v2 })];
      await store().replaceTriggers(tenantId, workflowId, second);

      expect(await store().listTriggers(tenantId, workflowId)).toEqual(second);
      for (const old of first) {
        if (old.path !== undefined) expect(await store().getTriggerByPath(old.path)).toBeUndefined();
      }
      expect(await store().getTriggerByPath(pathOf(second[0]))).toEqual(second[0]);
      expect(await store().listTriggersByEvent(tenantId, 'order.paid')).toEqual([]);
      // The other workflow of the tenant is not part of the swap.
      expect(await store().listTriggers(tenantId, neighbourId)).toEqual(neighbour);
      expect(await store().listTriggers(tenantId)).toEqual([...second, ...neighbour].sort(byWorkflowThenNode));
    });

    contractCase('disables a workflow with an empty set, freeing its paths', async (store) => {
      const tenantId = newTenant();
      const workflowId = newWorkflowId();
      const neighbourId = newWorkflowId();
      const hook = webhookTrigger(tenantId, workflowId, 'hook');
      const neighbour = [webhookTrigger(tenantId, neighbourId, 'hook')];
      await store().replaceTriggers(tenantId, workflowId, [hook, eventTrigger(tenantId, workflowId, 'listen', 'order.created')]);
      await store().replaceTriggers(tenantId, neighbourId, neighbour);

      await store().replaceTriggers(tenantId, workflowId, []);
      expect(await store().listTriggers(tenantId, workflowId)).toEqual([]);
      expect(await store().getTriggerByPath(pathOf(hook))).toBeUndefined();
      expect(await store().listTriggersByEvent(tenantId, 'order.created')).toEqual([]);
      expect(await store().listTriggers(tenantId)).toEqual(neighbour);
      // Disabling what is not enabled is no error.
      await store().replaceTriggers(tenantId, workflowId, []);
      await store().replaceTriggers(newTenant(), newWorkflowId(), []);

      // The path is free: another workflow may take it.
      const taken = webhookTrigger(tenantId, neighbourId, 'second', { path: pathOf(hook) });
      await store().replaceTriggers(tenantId, neighbourId, [...neighbour, taken]);
      expect(await store().getTriggerByPath(pathOf(hook))).toEqual(taken);
    });

    contractCase('keeps triggers of one tenant invisible to another', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const workflowId = newWorkflowId();
      const setA = [webhookTrigger(tenantA, workflowId, 'hook'), eventTrigger(tenantA, workflowId, 'listen', 'order.created')];
      const setB = [webhookTrigger(tenantB, workflowId, 'hook'), eventTrigger(tenantB, workflowId, 'listen', 'order.created')];
      await store().replaceTriggers(tenantA, workflowId, setA);
      await store().replaceTriggers(tenantB, workflowId, setB);

      expect(await store().listTriggers(tenantA)).toEqual(setA);
      expect(await store().listTriggers(tenantB, workflowId)).toEqual(setB);
      expect(await store().listTriggersByEvent(tenantA, 'order.created')).toEqual([setA[1]]);
      expect(await store().listTriggersByEvent(tenantB, 'order.created')).toEqual([setB[1]]);
      expect(await store().listTriggers(newTenant())).toEqual([]);
      expect(await store().listTriggersByEvent(newTenant(), 'order.created')).toEqual([]);

      // Tenant B disabling its workflow of the same id leaves tenant A's alone.
      await store().replaceTriggers(tenantB, workflowId, []);
      expect(await store().listTriggers(tenantB)).toEqual([]);
      expect(await store().listTriggers(tenantA)).toEqual(setA);
    });

    contractCase('finds a webhook by its path whatever the tenant', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const hookA = webhookTrigger(tenantA, newWorkflowId(), 'hook');
      const hookB = webhookTrigger(tenantB, newWorkflowId(), 'hook');
      await store().replaceTriggers(tenantA, hookA.workflowId, [hookA]);
      await store().replaceTriggers(tenantB, hookB.workflowId, [hookB]);

      expect(await store().getTriggerByPath(pathOf(hookA))).toEqual(hookA);
      expect(await store().getTriggerByPath(pathOf(hookB))).toEqual(hookB);
      expect(await store().getTriggerByPath(newPath())).toBeUndefined();

      await store().replaceTriggers(tenantA, hookA.workflowId, []);
      expect(await store().getTriggerByPath(pathOf(hookA))).toBeUndefined();
      expect(await store().getTriggerByPath(pathOf(hookB))).toEqual(hookB);
    });

    contractCase('refuses a path another workflow holds, changing neither workflow', async (store) => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const holderId = newWorkflowId();
      const holding = webhookTrigger(tenantA, holderId, 'hook');
      const path = pathOf(holding);
      await store().replaceTriggers(tenantA, holderId, [holding]);

      // A workflow of another tenant, and one of the same tenant, each with a set already.
      for (const tenantId of [tenantB, tenantA]) {
        const workflowId = newWorkflowId();
        const before = [eventTrigger(tenantId, workflowId, 'listen', 'order.created'), webhookTrigger(tenantId, workflowId, 'old')];
        await store().replaceTriggers(tenantId, workflowId, before);

        const fresh = webhookTrigger(tenantId, workflowId, 'fresh');
        const error = await pipewrightRejection(store().replaceTriggers(tenantId, workflowId, [fresh, webhookTrigger(tenantId, workflowId, 'thief', { path })]));
        expect(error.code).toBe('invalid_input');
        expect(error.message).toBe('Webhook path is taken');

        expect(await store().listTriggers(tenantId, workflowId)).toEqual(before);
        expect(await store().getTriggerByPath(pathOf(before[1]))).toEqual(before[1]);
        expect(await store().getTriggerByPath(pathOf(fresh))).toBeUndefined();
        expect(await store().listTriggers(tenantA, holderId)).toEqual([holding]);
        expect(await store().getTriggerByPath(path)).toEqual(holding);
      }
    });

    contractCase('lets a workflow keep its path across swaps, even on another node', async (store) => {
      const tenantId = newTenant();
      const workflowId = newWorkflowId();
      const first = webhookTrigger(tenantId, workflowId, 'hook');
      await store().replaceTriggers(tenantId, workflowId, [first]);

      const republished = { ...first, versionId: asWorkflowVersionId('wfv_orders_2'), config: { method: 'PUT' }, updatedAt: t0 + 1_000 };
      await store().replaceTriggers(tenantId, workflowId, [republished]);
      expect(await store().getTriggerByPath(pathOf(first))).toEqual(republished);

      // The node was renamed in the new version: the path moves with it.
      const moved = { ...republished, nodeId: 'renamed_hook', versionId: asWorkflowVersionId('wfv_orders_3') };
      await store().replaceTriggers(tenantId, workflowId, [moved]);
      expect(await store().getTriggerByPath(pathOf(first))).toEqual(moved);
      expect(await store().listTriggers(tenantId, workflowId)).toEqual([moved]);
    });

    contractCase('lists the event registrations of a tenant by event name', async (store) => {
      const tenantId = newTenant();
      const workflowA = newWorkflowId();
      const workflowB = newWorkflowId();
      const createdA = eventTrigger(tenantId, workflowA, 'created', 'order.created');
      const paidA = eventTrigger(tenantId, workflowA, 'paid', 'order.paid');
      const createdB1 = eventTrigger(tenantId, workflowB, 'b_created', 'order.created');
      const createdB2 = eventTrigger(tenantId, workflowB, 'a_created', 'order.created');
      // Event names are case-sensitive.
      const shouting = eventTrigger(tenantId, workflowB, 'shouting', 'Order.Created');
      await store().replaceTriggers(tenantId, workflowA, [createdA, paidA, webhookTrigger(tenantId, workflowA, 'hook')]);
      await store().replaceTriggers(tenantId, workflowB, [createdB1, createdB2, shouting]);

      const created = await store().listTriggersByEvent(tenantId, 'order.created');
      expect(created).toEqual([createdA, createdB1, createdB2].sort(byWorkflowThenNode));
      expect(await store().listTriggersByEvent(tenantId, 'order.paid')).toEqual([paidA]);
      expect(await store().listTriggersByEvent(tenantId, 'Order.Created')).toEqual([shouting]);
      expect(await store().listTriggersByEvent(tenantId, 'order')).toEqual([]);
    });

    contractCase('rejects a set that repeats a node or a path, or holds another workflow\'s trigger', async (store) => {
      const tenantId = newTenant();
      const workflowId = newWorkflowId();
      const before = [webhookTrigger(tenantId, workflowId, 'hook')];
      await store().replaceTriggers(tenantId, workflowId, before);

      const hook = webhookTrigger(tenantId, workflowId, 'other');
      const invalid: TriggerRecord[][] = [
        [hook, { ...hook, path: newPath() }],
        [hook, webhookTrigger(tenantId, workflowId, 'third', { path: pathOf(hook) })],
        [hook, webhookTrigger(tenantId, newWorkflowId(), 'foreign')],
        [hook, webhookTrigger(newTenant(), workflowId, 'foreign')],
      ];
      for (const set of invalid) {
        const error = await pipewrightRejection(store().replaceTriggers(tenantId, workflowId, set));
        expect(error.code).toBe('invalid_input');
        expect(await store().listTriggers(tenantId, workflowId)).toEqual(before);
        expect(await store().getTriggerByPath(pathOf(hook))).toBeUndefined();
      }
    });

    contractCase('leaves exactly one whole set when swaps of a workflow race', async (store) => {
      const tenantId = newTenant();
      const workflow = workflowRecord(tenantId);
      await store().saveWorkflow(workflow);
      const sets = Array.from({ length: 6 }, (_, index) => [webhookTrigger(tenantId, workflow.id, `hook_${index}`), eventTrigger(tenantId, workflow.id, `listen_${index}`, 'order.created')]);
      await Promise.all(sets.map((set) => store().replaceTriggers(tenantId, workflow.id, set)));

      const listed = await store().listTriggers(tenantId, workflow.id);
      expect(sets.map((set) => [...set].sort(byWorkflowThenNode))).toContainEqual(listed);
      const winner = listed[0];
      for (const set of sets) {
        const path = pathOf(set[0]);
        expect(await store().getTriggerByPath(path)).toEqual(winner?.path === path ? winner : undefined);
      }
    });

    cases.checkSkips();
  });
}
