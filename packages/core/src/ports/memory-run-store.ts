import { checkTriggerSet } from './trigger-set';
import { PipewrightError } from '../errors/pipewright-error';
import type { ConnectionId, RunId, TenantId, WorkflowId, WorkflowVersionId } from '../ids';
import type { RunEvent } from '../runtime/run-events';
import { compareNewestFirst, decodeCursor, encodeCursor, pageLimit, type CursorKey } from './page-cursor';
import type {
  AppendResult,
  AuditEntry,
  ConnectionRecord,
  CreateRunResult,
  DeadLetter,
  StaleVersion,
  FlowStateRecord,
  Page,
  PageRequest,
  RunFilter,
  RunRecord,
  RunStore,
  StoredRunEvent,
  TriggerRecord,
  WorkflowRecord,
  WorkflowVersionRecord,
} from './run-store';

interface RunEntry {
  /** The stored summary; updated in place, handed out as copies. */
  record: RunRecord;
  /**
   * The run's events, `events[i]` with sequence number `i + 1`, and when each was stored.
   * Kept apart rather than as stored-event objects: a store that keeps every run would
   * otherwise hold a wrapper and a boxed time per event for the life of the process.
   */
  events: RunEvent[];
  times: number[];
}

interface TenantData {
  workflows: Map<WorkflowId, WorkflowRecord>;
  versions: Map<WorkflowVersionId, WorkflowVersionRecord>;
  versionsByNumber: Map<WorkflowId, Map<number, WorkflowVersionRecord>>;
  runs: Map<RunId, RunEntry>;
  /**
   * Oldest first by (createdAt, id). Runs almost always arrive in that order, so keeping
   * it sorted costs an append; `listRuns` walks it backwards and stops after a page.
   */
  runOrder: RunEntry[];
  runsByIdempotencyKey: Map<string, RunEntry>;
  deadLetters: Map<string, DeadLetter>;
  flowStates: Map<string, FlowStateRecord>;
  connections: Map<ConnectionId, ConnectionRecord>;
  /** Oldest first by (at, id), like `runOrder`: entries arrive in time order, so an append is a push. */
  audit: AuditEntry[];
  auditIds: Set<string>;
  /** Each workflow's registrations, by node id; a workflow without any is absent. */
  triggers: Map<WorkflowId, TriggerRecord[]>;
}

const runKey = (run: RunRecord): CursorKey => ({ at: run.createdAt, id: run.id });

/** Ascending (createdAt, id) order of `runOrder`: negative when `a` is older. */
function compareOldestFirst(a: RunRecord, b: CursorKey): number {
  if (a.createdAt !== b.at) return a.createdAt - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Number of entries in `runOrder` that sort before `key`. */
function countOlderThan(runOrder: readonly RunEntry[], key: CursorKey): number {
  let low = 0;
  let high = runOrder.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareOldestFirst((runOrder[middle] as RunEntry).record, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function runMatcher(filter: RunFilter): (run: RunRecord) => boolean {
  const { workflowId, status, parentRunId } = filter;
  const statuses = status === undefined ? undefined : new Set(Array.isArray(status) ? status : [status]);
  return (run) =>
    (workflowId === undefined || run.workflowId === workflowId) &&
    (statuses === undefined || statuses.has(run.status)) &&
    (parentRunId === undefined || run.parentRunId === parentRunId);
}

/** One page of `items` (already sorted newest first) after the cursor. */
function pageOf<T, R>(items: readonly T[], keyOf: (item: T) => CursorKey, request: PageRequest, copy: (item: T) => R): Page<R> {
  const limit = pageLimit(request.limit);
  let start = 0;
  if (request.cursor !== undefined) {
    const after = decodeCursor(request.cursor);
    while (start < items.length && compareNewestFirst(keyOf(items[start] as T), after) <= 0) start++;
  }
  const slice = items.slice(start, start + limit);
  const last = slice[slice.length - 1];
  const page: Page<R> = { items: slice.map(copy) };
  if (start + limit < items.length && last !== undefined) page.nextCursor = encodeCursor(keyOf(last));
  return page;
}

const copyRun = (run: RunRecord): RunRecord => ({ ...run });

/**
 * The record the store keeps, written out field by field. A spread copy would do, but on
 * V8 a property added to a spread copy (`finishedAt`, when the run ends) gives that object
 * a hidden class of its own: one more class per run, kept as long as the run.
 */
function storedRunRecord(run: RunRecord, lastSeq: number): RunRecord {
  const record: RunRecord = {
    tenantId: run.tenantId,
    id: run.id,
    workflowId: run.workflowId,
    versionId: run.versionId,
    status: run.status,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    lastSeq,
  };
  if (run.finishedAt !== undefined) record.finishedAt = run.finishedAt;
  if (run.parentRunId !== undefined) record.parentRunId = run.parentRunId;
  if (run.idempotencyKey !== undefined) record.idempotencyKey = run.idempotencyKey;
  return record;
}

/** Where a connection list ends: its name, then its id. */
interface NameKey {
  name: string;
  id: string;
}

/** Ascending (name, id): the order of `listConnections`. */
function compareByName(a: NameKey, b: NameKey): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A page cursor holds a time and an id; a connection list pages by name and id, so `at`
 * is the name's length and `id` the name followed by the id. Both come back exactly,
 * whatever characters they hold, with no separator to escape.
 */
const encodeNameCursor = (key: NameKey): string => encodeCursor({ at: key.name.length, id: key.name + key.id });

function decodeNameCursor(cursor: string): NameKey {
  const { at, id } = decodeCursor(cursor);
  if (!Number.isInteger(at) || at < 0 || at > id.length) {
    throw new PipewrightError('invalid_cursor', 'The page cursor is not one of a connection list; pass back a nextCursor exactly as it was returned', { details: { cursor } });
  }
  return { name: id.slice(0, at), id: id.slice(at) };
}

const auditKey = (entry: AuditEntry): CursorKey => ({ at: entry.at, id: entry.id });

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A `RunStore` in memory: for tests, demos and single-process embedding without a
 * database. Workflows, versions, dead letters, connections, audit entries and triggers are cloned on
 * the way in and out, since callers may mutate them. Events are not: the engine treats
 * them as immutable, and copying every event twice would cost more than the rest of a run.
 *
 * @example
 * ```ts
 * const store = createMemoryRunStore();
 * const tenantId = asTenantId('acme');
 * const page = await store.listRuns(tenantId, { status: ['queued', 'running'] }, { limit: 20 });
 * console.log(page.items.length, page.nextCursor);
 * ```
 */
export function createMemoryRunStore(): RunStore {
  const tenants = new Map<TenantId, TenantData>();
  /** Webhook registrations of every tenant by path: a request names only its path. */
  const triggersByPath = new Map<string, TriggerRecord>();

  function tenant(tenantId: TenantId): TenantData {
    let data = tenants.get(tenantId);
    if (data === undefined) {
      data = {
        workflows: new Map(),
        versions: new Map(),
        versionsByNumber: new Map(),
        runs: new Map(),
        runOrder: [],
        runsByIdempotencyKey: new Map(),
        deadLetters: new Map(),
        flowStates: new Map(),
        connections: new Map(),
        audit: [],
        auditIds: new Set(),
        triggers: new Map(),
      };
      tenants.set(tenantId, data);
    }
    return data;
  }

  function latestVersionIdOf(tenantId: TenantId, workflowId: WorkflowId): WorkflowVersionId | undefined {
    const data = tenants.get(tenantId);
    const latest = data?.workflows.get(workflowId)?.latestVersion;
    return latest === undefined ? undefined : data?.versionsByNumber.get(workflowId)?.get(latest)?.id;
  }

  return {
    async saveWorkflow(record) {
      const data = tenant(record.tenantId);
      const existing = data.workflows.get(record.id);
      const stored = structuredClone(record);
      if (existing !== undefined) {
        // `publishVersion` owns the version counter: a draft saved from a copy read before
        // a publish must not roll it back. Creation time does not change either.
        stored.latestVersion = existing.latestVersion;
        stored.createdAt = existing.createdAt;
      }
      data.workflows.set(record.id, stored);
    },

    async getWorkflow(tenantId, id) {
      const record = tenants.get(tenantId)?.workflows.get(id);
      return record === undefined ? undefined : structuredClone(record);
    },

    async listWorkflows(tenantId, page = {}) {
      const workflows = [...(tenants.get(tenantId)?.workflows.values() ?? [])];
      const keyOf = (workflow: WorkflowRecord): CursorKey => ({ at: workflow.createdAt, id: workflow.id });
      workflows.sort((a, b) => compareNewestFirst(keyOf(a), keyOf(b)));
      return pageOf(workflows, keyOf, page, (workflow) => structuredClone(workflow));
    },

    async deleteWorkflow(tenantId, id) {
      // Synchronous, like a swap of triggers: no reader sees the workflow gone but its paths still answering.
      const data = tenants.get(tenantId);
      if (data === undefined) return false;
      for (const trigger of data.triggers.get(id) ?? []) {
        if (trigger.path !== undefined) triggersByPath.delete(trigger.path);
      }
      data.triggers.delete(id);
      return data.workflows.delete(id);
    },

    async publishVersion(tenantId, workflowId, id, definition, at) {
      // Everything up to the bump runs synchronously, before any await: concurrent
      // publishes are serialised by the event loop and get distinct numbers.
      const data = tenants.get(tenantId);
      const workflow = data?.workflows.get(workflowId);
      if (data === undefined || workflow === undefined) {
        throw new PipewrightError('not_found', `Workflow ${workflowId} does not exist`, { details: { tenantId, workflowId } });
      }
      if (data.versions.has(id)) {
        throw new PipewrightError('internal', `Workflow version id ${id} is already used`, { details: { tenantId, versionId: id } });
      }
      const version = workflow.latestVersion + 1;
      let byNumber = data.versionsByNumber.get(workflowId);
      // The SQL store's unique key on the number refuses this too: a workflow saved again
      // after a delete with a `latestVersion` below its kept versions' must not shadow one.
      if (byNumber?.has(version) === true) {
        throw new PipewrightError('internal', `Workflow ${workflowId} already has a version ${version}`, { details: { tenantId, workflowId, version } });
      }
      workflow.latestVersion = version;
      const record: WorkflowVersionRecord = { tenantId, id, workflowId, version, definition: structuredClone(definition), createdAt: at };
      data.versions.set(id, record);
      if (byNumber === undefined) {
        byNumber = new Map();
        data.versionsByNumber.set(workflowId, byNumber);
      }
      byNumber.set(version, record);
      return structuredClone(record);
    },

    async getVersion(tenantId, id) {
      const record = tenants.get(tenantId)?.versions.get(id);
      return record === undefined ? undefined : structuredClone(record);
    },

    async getVersionByNumber(tenantId, workflowId, version) {
      const record = tenants.get(tenantId)?.versionsByNumber.get(workflowId)?.get(version);
      return record === undefined ? undefined : structuredClone(record);
    },

    async getLatestVersionId(tenantId, workflowId) {
      return latestVersionIdOf(tenantId, workflowId);
    },

    async listVersions(tenantId, workflowId) {
      const byNumber = tenants.get(tenantId)?.versionsByNumber.get(workflowId);
      if (byNumber === undefined) return [];
      return [...byNumber.values()].sort((a, b) => a.version - b.version).map((record) => structuredClone(record));
    },

    async createRunOfLatest(run, events): Promise<CreateRunResult | StaleVersion> {
      const existing = run.idempotencyKey === undefined ? undefined : tenants.get(run.tenantId)?.runsByIdempotencyKey.get(run.idempotencyKey);
      if (existing !== undefined) return { created: false, run: copyRun(existing.record) };
      if (latestVersionIdOf(run.tenantId, run.workflowId) !== run.versionId) return { stale: true };
      return this.createRun(run, events);
    },

    async createRun(run, events): Promise<CreateRunResult> {
      const data = tenant(run.tenantId);
      if (run.idempotencyKey !== undefined) {
        const existing = data.runsByIdempotencyKey.get(run.idempotencyKey);
        if (existing !== undefined) return { created: false, run: copyRun(existing.record) };
      }
      if (data.runs.has(run.id)) {
        throw new PipewrightError('internal', `Run id ${run.id} is already used`, { details: { tenantId: run.tenantId, runId: run.id } });
      }
      const entry: RunEntry = {
        record: storedRunRecord(run, events.length),
        events: [...events],
        times: events.map(() => run.createdAt),
      };
      data.runs.set(run.id, entry);
      if (run.idempotencyKey !== undefined) data.runsByIdempotencyKey.set(run.idempotencyKey, entry);
      const order = data.runOrder;
      const key = runKey(run);
      let index = order.length;
      while (index > 0 && compareOldestFirst((order[index - 1] as RunEntry).record, key) > 0) index--;
      if (index === order.length) order.push(entry);
      else order.splice(index, 0, entry);
      return { created: true, run: copyRun(entry.record) };
    },

    async getRun(tenantId, id) {
      const entry = tenants.get(tenantId)?.runs.get(id);
      return entry === undefined ? undefined : copyRun(entry.record);
    },

    async listRuns(tenantId, filter = {}, page = {}) {
      const limit = pageLimit(page.limit);
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const order = tenants.get(tenantId)?.runOrder ?? [];
      const matches = runMatcher(filter);
      const { createdAfter, createdBefore } = filter;
      let end = after === undefined ? order.length : countOlderThan(order, after);
      if (createdBefore !== undefined) end = Math.min(end, countOlderThan(order, { at: createdBefore, id: '' }));
      const items: RunRecord[] = [];
      let hasMore = false;
      for (let index = end - 1; index >= 0; index--) {
        const run = (order[index] as RunEntry).record;
        if (createdAfter !== undefined && run.createdAt <= createdAfter) break;
        if (!matches(run)) continue;
        if (items.length === limit) {
          hasMore = true;
          break;
        }
        items.push(copyRun(run));
      }
      const last = items[items.length - 1];
      const result: Page<RunRecord> = { items };
      if (hasMore && last !== undefined) result.nextCursor = encodeCursor(runKey(last));
      return result;
    },

    async appendEvents(tenantId, runId, expectedLastSeq, events: readonly RunEvent[], patch, at): Promise<AppendResult> {
      const entry = tenants.get(tenantId)?.runs.get(runId);
      if (entry === undefined) return { ok: false, reason: 'not_found' };
      const record = entry.record;
      // Check and write happen in one synchronous step, so of two appends with the same
      // expected sequence number exactly one wins.
      if (record.lastSeq !== expectedLastSeq) return { ok: false, reason: 'conflict', lastSeq: record.lastSeq };
      const time = at ?? Date.now();
      let seq = record.lastSeq;
      for (const event of events) {
        entry.events.push(event);
        entry.times.push(time);
        seq++;
      }
      record.lastSeq = seq;
      record.updatedAt = time;
      if (patch?.status !== undefined) record.status = patch.status;
      if (patch?.finishedAt !== undefined) record.finishedAt = patch.finishedAt;
      return { ok: true, lastSeq: seq };
    },

    async readEvents(tenantId, runId, afterSeq = 0) {
      const entry = tenants.get(tenantId)?.runs.get(runId);
      if (entry === undefined) return [];
      const stored: StoredRunEvent[] = [];
      const { events, times } = entry;
      for (let index = afterSeq > 0 ? Math.floor(afterSeq) : 0; index < events.length; index++) {
        stored.push({ seq: index + 1, at: times[index] as number, event: events[index] as RunEvent });
      }
      return stored;
    },

    async getFlowState(tenantId, key) {
      const record = tenants.get(tenantId)?.flowStates.get(key);
      return record === undefined ? undefined : structuredClone(record);
    },

    async putFlowState(tenantId, key, value, expectedVersion, at) {
      const states = tenant(tenantId).flowStates;
      if ((states.get(key)?.version ?? 0) !== expectedVersion) return undefined;
      const record: FlowStateRecord = { tenantId, key, value: structuredClone(value), version: expectedVersion + 1, updatedAt: at };
      states.set(key, record);
      return structuredClone(record);
    },

    async deleteFlowState(tenantId, key, expectedVersion) {
      const states = tenants.get(tenantId)?.flowStates;
      const record = states?.get(key);
      if (record === undefined || (expectedVersion !== undefined && record.version !== expectedVersion)) return false;
      return states?.delete(key) ?? false;
    },

    async listFlowStates(tenantId, prefix, page = {}) {
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor).id;
      const limit = pageLimit(page.limit);
      const keys = [...(tenants.get(tenantId)?.flowStates.keys() ?? [])].filter((key) => key.startsWith(prefix) && (after === undefined || key > after)).sort();
      const items = keys.slice(0, limit).map((key) => structuredClone(tenants.get(tenantId)?.flowStates.get(key) as FlowStateRecord));
      const last = items[items.length - 1];
      return keys.length > limit && last ? { items, nextCursor: encodeCursor({ at: 0, id: last.key }) } : { items };
    },

    async createConnection(record) {
      const connections = tenant(record.tenantId).connections;
      if (connections.has(record.id)) return false;
      connections.set(record.id, { ...structuredClone(record), version: 1 });
      return true;
    },

    async getConnection(tenantId, id) {
      const record = tenants.get(tenantId)?.connections.get(id);
      return record === undefined ? undefined : structuredClone(record);
    },

    async listConnections(tenantId, filter = {}, page = {}) {
      const after = page.cursor === undefined ? undefined : decodeNameCursor(page.cursor);
      const limit = pageLimit(page.limit);
      const { connectorId } = filter;
      const matches = [...(tenants.get(tenantId)?.connections.values() ?? [])]
        .filter((record) => (connectorId === undefined || record.connectorId === connectorId) && (after === undefined || compareByName(record, after) > 0))
        .sort(compareByName);
      const items = matches.slice(0, limit).map((record) => structuredClone(record));
      const last = items[items.length - 1];
      return matches.length > limit && last !== undefined ? { items, nextCursor: encodeNameCursor(last) } : { items };
    },

    async updateConnection(record, expectedVersion) {
      const connections = tenants.get(record.tenantId)?.connections;
      const stored = connections?.get(record.id);
      if (connections === undefined || stored === undefined || stored.version !== expectedVersion) return undefined;
      // What identifies the connection stays as created; everything else is replaced.
      const updated: ConnectionRecord = { ...structuredClone(record), connectorId: stored.connectorId, createdAt: stored.createdAt, version: expectedVersion + 1 };
      connections.set(record.id, updated);
      return structuredClone(updated);
    },

    async deleteConnection(tenantId, id) {
      return tenants.get(tenantId)?.connections.delete(id) ?? false;
    },

    async listConnectionsNotWrappedBy(keyId, limit) {
      const found: ConnectionRecord[] = [];
      if (!(limit >= 1)) return found;
      for (const data of tenants.values()) {
        for (const record of data.connections.values()) {
          if (record.keyId === keyId) continue;
          found.push(structuredClone(record));
          if (found.length >= limit) return found;
        }
      }
      return found;
    },

    async appendAudit(entry) {
      const data = tenant(entry.tenantId);
      // The first entry with an id stays, as in the SQL store: an append is safe to retry.
      if (data.auditIds.has(entry.id)) return;
      data.auditIds.add(entry.id);
      const audit = data.audit;
      const key = auditKey(entry);
      let index = audit.length;
      while (index > 0 && compareNewestFirst(auditKey(audit[index - 1] as AuditEntry), key) < 0) index--;
      audit.splice(index, 0, structuredClone(entry));
    },

    async listAudit(tenantId, filter = {}, page = {}) {
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const limit = pageLimit(page.limit);
      const audit = tenants.get(tenantId)?.audit ?? [];
      const items: AuditEntry[] = [];
      let hasMore = false;
      for (let index = audit.length - 1; index >= 0; index--) {
        const entry = audit[index] as AuditEntry;
        if (after !== undefined && compareNewestFirst(auditKey(entry), after) <= 0) continue;
        if (filter.connectionId !== undefined && entry.connectionId !== filter.connectionId) continue;
        if (items.length === limit) {
          hasMore = true;
          break;
        }
        items.push(structuredClone(entry));
      }
      const last = items[items.length - 1];
      return hasMore && last !== undefined ? { items, nextCursor: encodeCursor(auditKey(last)) } : { items };
    },

    async replaceTriggers(tenantId, workflowId, triggers) {
      // Checks and swap run synchronously, before any await: no reader sees half a set.
      checkTriggerSet(tenantId, workflowId, triggers);
      for (const trigger of triggers) {
        const holder = trigger.path === undefined ? undefined : triggersByPath.get(trigger.path);
        if (holder !== undefined && (holder.tenantId !== tenantId || holder.workflowId !== workflowId)) {
          throw new PipewrightError('invalid_input', 'Webhook path is taken', { details: { tenantId, workflowId, nodeId: trigger.nodeId } });
        }
      }
      const data = tenant(tenantId);
      for (const old of data.triggers.get(workflowId) ?? []) {
        if (old.path !== undefined) triggersByPath.delete(old.path);
      }
      if (triggers.length === 0) {
        data.triggers.delete(workflowId);
        return;
      }
      const stored = triggers.map((trigger) => structuredClone(trigger)).sort((a, b) => compareText(a.nodeId, b.nodeId));
      for (const trigger of stored) {
        if (trigger.path !== undefined) triggersByPath.set(trigger.path, trigger);
      }
      data.triggers.set(workflowId, stored);
    },

    async listTriggers(tenantId, workflowId) {
      const byWorkflow = tenants.get(tenantId)?.triggers;
      if (byWorkflow === undefined) return [];
      if (workflowId !== undefined) return (byWorkflow.get(workflowId) ?? []).map((trigger) => structuredClone(trigger));
      return [...byWorkflow.keys()].sort(compareText).flatMap((id) => (byWorkflow.get(id) ?? []).map((trigger) => structuredClone(trigger)));
    },

    async getTriggerByPath(path) {
      const trigger = triggersByPath.get(path);
      return trigger === undefined ? undefined : structuredClone(trigger);
    },

    async listTriggersByEvent(tenantId, eventName) {
      const byWorkflow = tenants.get(tenantId)?.triggers;
      if (byWorkflow === undefined) return [];
      return [...byWorkflow.keys()]
        .sort(compareText)
        .flatMap((id) => (byWorkflow.get(id) ?? []).filter((trigger) => trigger.eventName === eventName).map((trigger) => structuredClone(trigger)));
    },

    async addDeadLetter(letter) {
      tenant(letter.tenantId).deadLetters.set(letter.id, structuredClone(letter));
    },

    async listDeadLetters(tenantId, page = {}) {
      const letters = [...(tenants.get(tenantId)?.deadLetters.values() ?? [])];
      const keyOf = (letter: DeadLetter): CursorKey => ({ at: letter.failedAt, id: letter.id });
      letters.sort((a, b) => compareNewestFirst(keyOf(a), keyOf(b)));
      return pageOf(letters, keyOf, page, (letter) => structuredClone(letter));
    },

    async removeDeadLetter(tenantId, id) {
      return tenants.get(tenantId)?.deadLetters.delete(id) ?? false;
    },
  };
}
