import { z } from 'zod';
import { asRunId, type RunId, type TenantId, type WorkflowVersionId } from '../ids';
import type { WorkflowSettings } from '../model/workflow-schema';
import type { RunStatus } from '../ports/run-store';
import type { EngineCore } from '../runtime/engine-core';
import type { ParentLink } from '../runtime/run-events';
import { evaluateFlowKey } from './flow-key';
import { flowJobNames, scheduleFlowJob } from './flow-job';
import { readFlowState, updateFlowState } from './flow-state';

/*
 * Concurrency limits. Every limit is one shared slot list in flow state (`concurrency:…`):
 * the runs holding its slots and, oldest first, the runs waiting for one. A run takes a
 * slot in each list that applies to it, narrowest first (its key's, its workflow's, its
 * tenant's); every run takes them in that same order, so two runs never each hold what
 * the other waits for. A run that gets them all is queued for advancing; otherwise it
 * stays `queued` in the store, with no job, until a holder finishes and hands its slot on.
 *
 * Child runs (`core.forEach`, `core.subWorkflow`) take no slots: they run under the slot
 * of their root run, which holds it while it waits for them. If they needed slots from
 * the same lists (the tenant's, or their own workflow's in a recursion) a parent could
 * wait forever for slots that only it would free. `core.forEach`'s `concurrency` bounds
 * how many of them run at once.
 */

export type SlotScopeKind = 'key' | 'workflow' | 'tenant';

const scopeSchema = z.object({
  /** The flow-state key of the slot list. */
  key: z.string(),
  kind: z.enum(['key', 'workflow', 'tenant']),
  limit: z.number(),
  /** For `key`: the key's value for the run. */
  value: z.string().optional(),
});

/** One limit a run needs a slot under. */
export type SlotScope = z.infer<typeof scopeSchema>;

const waiterSchema = z.object({
  runId: z.string(),
  at: z.number(),
  /** The slot lists the run needs after this one: whoever hands it a slot here carries on with them. */
  next: z.array(scopeSchema),
});

type Waiter = z.infer<typeof waiterSchema>;

const slotListSchema = z.object({
  /** The limit last asked for (a new version, or a new tenant limit, changes it). */
  limit: z.number(),
  holders: z.array(z.object({ runId: z.string(), at: z.number() })),
  /** First come, first served. */
  waiting: z.array(waiterSchema),
  /** When the holders were last checked for runs that finished without letting go. */
  checkedAt: z.number(),
});

type SlotList = z.infer<typeof slotListSchema>;

/**
 * How often a slot list with waiting runs is checked for slots held by runs that
 * finished without releasing them (their worker died in between), and for runs handed
 * a slot whose advance job was lost.
 */
export const slotCheckMs = 30_000;

const prefix = 'concurrency:';
export const tenantSlotsKey = `${prefix}tenant`;
const finishedStatuses: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
/** Stands for "no limit" in a tenant's list once the host lifts its tenant limit. */
const unlimited = Number.MAX_SAFE_INTEGER;

/** What identifies a run's slot lists: they are worked out from its workflow version and input, never stored with it. */
export interface SlotSubject {
  tenantId: TenantId;
  workflowId: string;
  input: unknown;
  parent?: ParentLink | undefined;
}

function tenantLimitOf(core: Pick<EngineCore, 'tenantConcurrency'>, tenantId: TenantId): number | undefined {
  const limit = core.tenantConcurrency?.(tenantId);
  return limit === undefined || !Number.isFinite(limit) ? undefined : Math.max(1, Math.floor(limit));
}

/**
 * The slot lists a new run must get a slot in, narrowest first: one per value of
 * `settings.concurrency.key`, the workflow's (`maxConcurrentRuns`, or `concurrency`
 * without a key; the lower one when both are set), and the tenant's
 * (`EngineOptions.tenantConcurrency`). None in a dry run or for a child run.
 */
export async function slotScopes(core: Pick<EngineCore, 'dry' | 'tenantConcurrency'>, subject: SlotSubject, settings: WorkflowSettings): Promise<SlotScope[]> {
  if (core.dry || subject.parent) return [];
  const scopes: SlotScope[] = [];
  const { concurrency } = settings;
  if (concurrency?.key !== undefined) {
    const value = await evaluateFlowKey(concurrency.key, subject.input, settings.variables, subject.workflowId, 'concurrency');
    scopes.push({ key: `${prefix}key:${subject.workflowId}:${value}`, kind: 'key', limit: concurrency.limit, value });
  }
  let workflowLimit = settings.maxConcurrentRuns;
  if (concurrency !== undefined && concurrency.key === undefined) workflowLimit = Math.min(workflowLimit ?? concurrency.limit, concurrency.limit);
  if (workflowLimit !== undefined) scopes.push({ key: `${prefix}workflow:${subject.workflowId}`, kind: 'workflow', limit: workflowLimit });
  const tenantLimit = tenantLimitOf(core, subject.tenantId);
  if (tenantLimit !== undefined) scopes.push({ key: tenantSlotsKey, kind: 'tenant', limit: tenantLimit });
  return scopes;
}

/** The slot lists of an existing run, from its version's settings (read from the store when the version no longer compiles). */
async function scopesOfRun(core: EngineCore, run: SlotSubject & { versionId: WorkflowVersionId }): Promise<SlotScope[]> {
  if (core.dry || run.parent) return [];
  let settings: WorkflowSettings | undefined;
  try {
    settings = (await core.planFor(run.tenantId, run.versionId)).workflow.settings;
  } catch {
    settings = (await core.store.getVersion(run.tenantId, run.versionId))?.definition.settings;
  }
  if (settings === undefined) return [];
  return slotScopes(core, run, settings);
}

/** Hands free slots to waiting runs, oldest first; returns the runs that got one. */
function promote(list: SlotList, now: number): Waiter[] {
  const promoted: Waiter[] = [];
  while (list.holders.length < list.limit && list.waiting.length > 0) {
    const waiter = list.waiting.shift() as Waiter;
    list.holders.push({ runId: waiter.runId, at: now });
    promoted.push(waiter);
  }
  return promoted;
}

function copyList(list: SlotList): SlotList {
  return { ...list, holders: [...list.holders], waiting: [...list.waiting] };
}

async function enqueueAdvance(core: EngineCore, tenantId: TenantId, runId: RunId): Promise<void> {
  await core.queue.enqueue({ tenantId, name: 'advance', payload: { runId }, dedupeKey: `advance:${runId}` });
}

/** Takes a slot in one list, or joins its queue. Idempotent: a holder or waiter stays what it is. */
async function takeSlot(
  core: EngineCore,
  tenantId: TenantId,
  runId: RunId,
  scope: SlotScope,
  next: SlotScope[],
): Promise<{ held: boolean; checkAt: number; promoted: Waiter[] }> {
  const now = core.clock.now();
  return updateFlowState(core.store, tenantId, scope.key, slotListSchema, () => core.clock.now(), (current) => {
    const list = current ?? { limit: scope.limit, holders: [], waiting: [], checkedAt: 0 };
    const checkAt = Math.max(now, list.checkedAt + slotCheckMs);
    if (list.holders.some((holder) => holder.runId === runId)) return { result: { held: true, checkAt, promoted: [] } };
    if (list.waiting.some((waiter) => waiter.runId === runId)) return { result: { held: false, checkAt, promoted: [] } };
    const updated = copyList(list);
    updated.limit = scope.limit;
    // A raised limit frees slots for those already waiting, before this run.
    const promoted = promote(updated, now);
    const held = updated.waiting.length === 0 && updated.holders.length < updated.limit;
    if (held) updated.holders.push({ runId, at: now });
    else updated.waiting.push({ runId, at: now, next });
    return { next: updated, result: { held, checkAt, promoted } };
  });
}

/** Runs that were handed a slot go on to their next lists, and are queued once they hold them all. */
async function handOn(core: EngineCore, tenantId: TenantId, promoted: readonly Waiter[]): Promise<void> {
  for (const waiter of promoted) await admitRun(core, tenantId, asRunId(waiter.runId), waiter.next);
}

/**
 * Takes a slot for the run in each list in turn. With all of them, queues the run's
 * advance job; otherwise the run waits in the first list that is full, and a check of
 * that list is scheduled (see `checkSlotList`).
 *
 * @returns whether the run may start now.
 */
export async function admitRun(core: EngineCore, tenantId: TenantId, runId: RunId, scopes: readonly SlotScope[]): Promise<boolean> {
  for (let index = 0; index < scopes.length; index++) {
    const scope = scopes[index] as SlotScope;
    const taken = await takeSlot(core, tenantId, runId, scope, scopes.slice(index + 1));
    await handOn(core, tenantId, taken.promoted);
    if (!taken.held) {
      await scheduleFlowJob(core, tenantId, flowJobNames.concurrency, scope.key, taken.checkAt);
      return false;
    }
  }
  await enqueueAdvance(core, tenantId, runId);
  return true;
}

/** Gives up the run's slots (and its place in a queue), and hands each freed slot to the oldest waiting run. */
async function releaseSlots(core: EngineCore, tenantId: TenantId, runId: RunId, scopes: readonly SlotScope[]): Promise<void> {
  const now = core.clock.now();
  for (const scope of scopes) {
    const promoted = await updateFlowState(core.store, tenantId, scope.key, slotListSchema, () => core.clock.now(), (current) => {
      if (!current) return { result: [] as Waiter[] };
      const updated = copyList(current);
      updated.holders = current.holders.filter((holder) => holder.runId !== runId);
      updated.waiting = current.waiting.filter((waiter) => waiter.runId !== runId);
      if (updated.holders.length === current.holders.length && updated.waiting.length === current.waiting.length) return { result: [] };
      const handed = promote(updated, now);
      // Lists per key value come and go with their customers: an idle one is deleted.
      if (updated.holders.length === 0 && updated.waiting.length === 0) return { next: null, result: handed };
      return { next: updated, result: handed };
    });
    await handOn(core, tenantId, promoted);
  }
}

/**
 * Called when a run has finished, whatever its status (and again, harmlessly, when a
 * job for a finished run comes back after a crash): frees its slots.
 */
export async function releaseRunSlots(core: EngineCore, run: SlotSubject & { runId: RunId; versionId: WorkflowVersionId }): Promise<void> {
  if (core.dry || run.parent) return;
  const scopes = await scopesOfRun(core, run);
  if (scopes.length > 0) await releaseSlots(core, run.tenantId, run.runId, scopes);
}

async function createdEvent(core: EngineCore, tenantId: TenantId, runId: RunId) {
  const first = (await core.store.readEvents(tenantId, runId))[0]?.event;
  return first?.type === 'run.created' ? first : undefined;
}

/** `releaseRunSlots` for a run known by id only. */
export async function releaseRunSlotsById(core: EngineCore, tenantId: TenantId, runId: RunId): Promise<void> {
  const created = await createdEvent(core, tenantId, runId);
  if (created) await releaseRunSlots(core, { tenantId, runId, workflowId: created.workflowId, versionId: created.versionId, input: created.input, parent: created.parent });
}

/** Takes the slots of a run that holds one but never started (its advance job was lost), again; idempotent. */
async function resumeAdmission(core: EngineCore, tenantId: TenantId, runId: RunId): Promise<void> {
  const record = await core.store.getRun(tenantId, runId);
  if (record?.status !== 'queued') return;
  const created = await createdEvent(core, tenantId, runId);
  if (!created) return;
  const scopes = await scopesOfRun(core, { tenantId, workflowId: created.workflowId, versionId: created.versionId, input: created.input, parent: created.parent });
  if (scopes.length === 0) await enqueueAdvance(core, tenantId, runId);
  else await admitRun(core, tenantId, runId, scopes);
}

/**
 * The `flow.concurrency` job, scheduled while a list has waiting runs: drops holders
 * whose run has finished or no longer exists (a worker died between finishing the run
 * and releasing its slot) and hands their slots on; takes the slots of holders that are
 * still `queued` long after they got the slot again (a worker died between handing the
 * slot on and queueing the run). Runs again every `slotCheckMs` while runs wait.
 */
export async function checkSlotList(core: EngineCore, tenantId: TenantId, key: string): Promise<void> {
  const list = await readFlowState(core.store, tenantId, key, slotListSchema);
  if (!list || list.waiting.length === 0) return;
  const now = core.clock.now();
  const stale = new Set<string>();
  const stuck: RunId[] = [];
  await Promise.all(
    list.holders.map(async (holder) => {
      const run = await core.store.getRun(tenantId, asRunId(holder.runId));
      if (!run || finishedStatuses.has(run.status)) stale.add(holder.runId);
      else if (run.status === 'queued' && now - holder.at >= slotCheckMs) stuck.push(run.id);
    }),
  );
  const tenantLimit = key === tenantSlotsKey ? (tenantLimitOf(core, tenantId) ?? unlimited) : undefined;
  const checked = await updateFlowState(core.store, tenantId, key, slotListSchema, () => core.clock.now(), (current) => {
    if (!current) return { result: { promoted: [] as Waiter[], waiting: 0 } };
    const updated = copyList(current);
    updated.holders = current.holders.filter((holder) => !stale.has(holder.runId));
    updated.checkedAt = now;
    if (tenantLimit !== undefined) updated.limit = tenantLimit;
    const promoted = promote(updated, now);
    return { next: updated, result: { promoted, waiting: updated.waiting.length } };
  });
  if (stale.size > 0) core.logger.warn('Freed concurrency slots held by runs that had finished', { tenantId, key, runIds: [...stale] });
  await handOn(core, tenantId, checked.promoted);
  for (const runId of stuck) await resumeAdmission(core, tenantId, runId);
  if (checked.waiting > 0) await scheduleFlowJob(core, tenantId, flowJobNames.concurrency, key, now + slotCheckMs);
}

/** Why a `queued` run has not started: the limit it waits under, and its place in that queue. */
export interface SlotWait {
  reason: 'concurrency_limit';
  scope: SlotScopeKind;
  /** For a per-key limit: the key's value for this run. */
  key?: string;
  limit: number;
  /** Runs holding a slot of that limit now. */
  running: number;
  /** 1 for the next run to get a slot. */
  position: number;
}

/** Where a run waits for a slot, if it does. */
export async function slotWaitOf(core: EngineCore, run: SlotSubject & { runId: RunId; versionId: WorkflowVersionId }): Promise<SlotWait | undefined> {
  let scopes: SlotScope[];
  try {
    scopes = await scopesOfRun(core, run);
  } catch {
    return undefined;
  }
  for (const scope of scopes) {
    const list = await readFlowState(core.store, run.tenantId, scope.key, slotListSchema);
    const index = list?.waiting.findIndex((waiter) => waiter.runId === run.runId) ?? -1;
    if (list === undefined || index < 0) continue;
    const wait: SlotWait = { reason: 'concurrency_limit', scope: scope.kind, limit: list.limit, running: list.holders.length, position: index + 1 };
    if (scope.value !== undefined) wait.key = scope.value;
    return wait;
  }
  return undefined;
}
