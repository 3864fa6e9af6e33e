import type { StartRunOptions } from '../../runtime/runs-api';
import { PipewrightError } from '../../errors/pipewright-error';
import { asRunId, asTenantId } from '../../ids';
import { pageRequest } from '../contract/common-schemas';
import type { OperationHandlers } from './handler-types';
import { answer, tenantOf } from './handler-types';
import { requireWorkflow } from './workflow-handlers';
import { runEventStream } from './run-event-stream';
import { failedRunToWire, runSummaryToWire, runToWire } from './wire';

function lastEventId(request: Request): number {
  const header = request.headers.get('last-event-id') ?? new URL(request.url).searchParams.get('lastEventId');
  const seq = header === null ? 0 : Number(header);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

export const runHandlers = {
  async startRun({ body }, context) {
    const target = body.workflowVersionId !== undefined ? { versionId: body.workflowVersionId } : { workflowId: body.workflowId ?? '' };
    const startOptions: StartRunOptions = {};
    if (body.idempotencyKey !== undefined) startOptions.idempotencyKey = body.idempotencyKey;
    if (body.triggerNodeId !== undefined) startOptions.triggerNodeId = body.triggerNodeId;
    const started = await context.engine.runs.start(tenantOf(context), target, body.inputs ?? {}, startOptions);
    const result = { runId: started.runId, created: started.created, ...(started.deferred === undefined ? {} : { deferred: { ...started.deferred } }) };
    return answer(started.deferred !== undefined ? 202 : started.created ? 201 : 200, result);
  },

  async listRuns({ query }, context) {
    const filter: Parameters<typeof context.engine.runs.list>[1] = {};
    if (query.workflowId !== undefined) filter.workflowId = query.workflowId;
    if (query.status !== undefined) filter.status = query.status;
    if (query.parentRunId !== undefined) filter.parentRunId = query.parentRunId;
    if (query.createdAfter !== undefined) filter.createdAfter = Date.parse(query.createdAfter);
    if (query.createdBefore !== undefined) filter.createdBefore = Date.parse(query.createdBefore);
    const page = await context.engine.runs.list(tenantOf(context), filter, pageRequest(query));
    return { items: page.items.map(runSummaryToWire), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  },

  async dryRun({ body }, context) {
    const definition = body.workflow ?? (await requireWorkflow(context, body.workflowId ?? '')).draft;
    const result = await context.engine.runs.dryRun(definition, body.inputs ?? {}, {
      ...(body.pinned === undefined ? {} : { pinned: body.pinned }),
      ...(body.triggerNodeId === undefined ? {} : { triggerNodeId: body.triggerNodeId }),
    });
    if (!result.ok) return { ok: false as const, diagnostics: result.diagnostics };
    const { events: _events, ...preview } = result;
    return preview;
  },

  async signalRun({ body }, context) {
    return { resumed: await context.engine.runs.signal(tenantOf(context), body.token, body.payload ?? null) };
  },

  async getRun({ params }, context) {
    return runToWire(await context.engine.runs.get(tenantOf(context), params.runId));
  },

  async getRunOutput({ params, query }, context) {
    // runs.output reads the run in the caller's tenant first: another tenant's run is not_found before any blob is touched.
    return { output: (await context.engine.runs.output(tenantOf(context), params.runId, query.nodeId)) ?? null };
  },

  async streamRunEvents({ params }, context) {
    // The summary row is enough to answer 404 before the stream starts; the stream reads the log itself.
    if (!(await context.engine.store.getRun(asTenantId(context.principal.tenantId), asRunId(params.runId)))) throw new PipewrightError('not_found', `Run ${params.runId} does not exist`);
    return runEventStream(context.engine, {
      tenantId: context.principal.tenantId,
      runId: params.runId,
      afterSeq: lastEventId(context.request),
      pollMs: context.options.streamPollMs ?? 1_000,
      signal: context.request.signal,
    });
  },

  async cancelRun({ params, body }, context) {
    return { cancelled: await context.engine.runs.cancel(tenantOf(context), params.runId, body?.reason) };
  },

  async rerunRun({ params, body }, context) {
    return context.engine.runs.rerun(tenantOf(context), params.runId, { fromNodeId: body.fromNodeId });
  },

  async resumeRun({ params, body }, context) {
    const token = await context.engine.runs.resumeToken(tenantOf(context), params.runId, body.nodeId);
    return { resumed: await context.engine.runs.signal(tenantOf(context), token, body.payload ?? null) };
  },

  async replayRun({ params }, context) {
    const result = await context.engine.runs.replay(tenantOf(context), params.runId);
    if (result.ok) return { ok: true, status: result.state.status, divergences: [] };
    const wire: { ok: boolean; status?: string; divergences: Array<Record<string, unknown>>; diagnostics?: typeof result.diagnostics } = {
      ok: false,
      divergences: result.divergences.map((divergence) => ({ ...divergence })),
    };
    if (result.state !== undefined) wire.status = result.state.status;
    if (result.diagnostics !== undefined) wire.diagnostics = result.diagnostics;
    return wire;
  },

  async listDeadLetters({ query }, context) {
    const page = await context.engine.runs.failed(tenantOf(context), {
      ...pageRequest(query),
      ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
      includeRedriven: query.includeRedriven,
    });
    return { items: page.items.map(failedRunToWire), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  },

  async redriveDeadLetter({ params }, context) {
    const redriven = await context.engine.runs.redrive(tenantOf(context), params.runId);
    return answer(redriven.created ? 201 : 200, { runId: redriven.runId, created: redriven.created });
  },
} satisfies Partial<OperationHandlers>;

