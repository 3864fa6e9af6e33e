import type { ConnectionView } from '../../connections/connections-api';
import type { FailedRun } from '../../flow/redrive';
import type { AuditEntry, RunRecord, WorkflowRecord, WorkflowVersionRecord } from '../../ports/run-store';
import type { StepLogEntry } from '../../runtime/run-events';
import type { RunView } from '../../runtime/run-view';
import type { TriggerView } from '../../triggers/triggers-api';
import type { z } from 'zod';
import { isoTime } from '../contract/common-schemas';
import type { auditEntrySchema, connectionSchemaOnWire } from '../contract/connection-schemas';
import type { deadLetterSchema, runDetailSchema, runSummarySchema } from '../contract/run-schemas';
import type { triggerSchemaOnWire, workflowSchemaOnWire, workflowSummarySchema, workflowVersionSchema } from '../contract/workflow-schemas';

/** Engine records as the API shows them: times as ISO 8601, no tenant id (the caller knows it). */

export function workflowToWire(record: WorkflowRecord): z.output<typeof workflowSchemaOnWire> {
  return {
    id: record.id,
    name: record.name,
    draft: record.draft as unknown as Record<string, unknown>,
    latestVersion: record.latestVersion,
    createdAt: isoTime(record.createdAt),
    updatedAt: isoTime(record.updatedAt),
  };
}

export function workflowSummaryToWire(record: WorkflowRecord): z.output<typeof workflowSummarySchema> {
  return { id: record.id, name: record.name, latestVersion: record.latestVersion, createdAt: isoTime(record.createdAt), updatedAt: isoTime(record.updatedAt) };
}

export function versionToWire(record: WorkflowVersionRecord): z.output<typeof workflowVersionSchema> {
  return { id: record.id, workflowId: record.workflowId, version: record.version, definition: record.definition as unknown as Record<string, unknown>, createdAt: isoTime(record.createdAt) };
}

export function runToWire(view: RunView): z.output<typeof runDetailSchema> {
  const wire: z.output<typeof runDetailSchema> = {
    id: view.id,
    workflowId: view.workflowId,
    versionId: view.versionId,
    status: view.status,
    createdAt: isoTime(view.createdAt),
    startedAt: isoTime(view.startedAt),
    input: view.input,
    steps: view.steps.map((step) => {
      const wireStep: z.output<typeof runDetailSchema>['steps'][number] = {
        id: `${view.id}:${step.nodeId}`,
        nodeId: step.nodeId,
        type: step.type,
        status: step.status,
        durationMs: step.durationMs,
        attempts: step.attempts,
      };
      if (step.output !== undefined) wireStep.output = step.output;
      if (step.handle !== undefined) wireStep.handle = step.handle;
      if (step.error !== undefined) wireStep.error = step.error;
      if (step.reused) wireStep.reused = true;
      return wireStep;
    }),
    logs: view.logs.map((log) => ({ ts: isoTime(log.ts), level: log.level, msg: log.msg, nodeId: log.nodeId })),
  };
  if (view.finishedAt !== undefined) wire.finishedAt = isoTime(view.finishedAt);
  if (view.parentRunId !== undefined) wire.parentRunId = view.parentRunId;
  if (view.output !== undefined) wire.output = view.output;
  if (view.error !== undefined) wire.error = view.error;
  if (view.message !== undefined) wire.message = view.message;
  return wire;
}

export function runSummaryToWire(record: RunRecord): z.output<typeof runSummarySchema> {
  const wire: z.output<typeof runSummarySchema> = {
    id: record.id,
    workflowId: record.workflowId,
    versionId: record.versionId,
    status: record.status,
    createdAt: isoTime(record.createdAt),
    updatedAt: isoTime(record.updatedAt),
  };
  if (record.finishedAt !== undefined) wire.finishedAt = isoTime(record.finishedAt);
  if (record.parentRunId !== undefined) wire.parentRunId = record.parentRunId;
  return wire;
}

export function connectionToWire(view: ConnectionView): z.output<typeof connectionSchemaOnWire> {
  const wire: z.output<typeof connectionSchemaOnWire> = {
    id: view.id,
    connectorId: view.connectorId,
    name: view.name,
    authType: view.authType,
    summary: view.summary,
    version: view.version,
    createdAt: isoTime(view.createdAt),
    updatedAt: isoTime(view.updatedAt),
  };
  if (view.expiresAt !== undefined) wire.expiresAt = isoTime(view.expiresAt);
  return wire;
}

export function auditToWire(entry: AuditEntry): z.output<typeof auditEntrySchema> {
  const wire: z.output<typeof auditEntrySchema> = { id: entry.id, at: isoTime(entry.at), action: entry.action, connectionId: entry.connectionId, actor: { ...entry.actor } };
  if (entry.detail !== undefined) wire.detail = entry.detail;
  return wire;
}

export function triggerToWire(view: TriggerView, webhookBaseUrl: string | undefined): z.output<typeof triggerSchemaOnWire> {
  const wire: z.output<typeof triggerSchemaOnWire> = { workflowId: view.workflowId, nodeId: view.nodeId, versionId: view.versionId, kind: view.kind, nodeType: view.nodeType };
  if (view.path !== undefined) {
    wire.path = view.path;
    if (webhookBaseUrl !== undefined) wire.url = `${webhookBaseUrl.replace(/\/+$/, '')}/${view.path}`;
  }
  if (view.eventName !== undefined) wire.eventName = view.eventName;
  return wire;
}

export function failedRunToWire(run: FailedRun): z.output<typeof deadLetterSchema> {
  const wire: z.output<typeof deadLetterSchema> = {
    runId: run.runId,
    workflowId: run.workflowId,
    versionId: run.versionId,
    createdAt: isoTime(run.createdAt),
    failedAt: isoTime(run.failedAt),
    error: run.error,
  };
  if (run.nodeId !== undefined) wire.nodeId = run.nodeId;
  if (run.redrivenAs !== undefined) wire.redrivenAs = run.redrivenAs;
  return wire;
}

export function logsToWire(logs: readonly StepLogEntry[]): Array<{ ts: string; level: StepLogEntry['level']; msg: string }> {
  return logs.map((log) => ({ ts: isoTime(log.ts), level: log.level, msg: log.msg }));
}
