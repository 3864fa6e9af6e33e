export { PipewrightError, toPipewrightError, type PipewrightErrorCode, type PipewrightErrorOptions } from './errors/pipewright-error';

export {
  workflowSchema,
  workflowNodeSchema,
  workflowEdgeSchema,
  workflowSettingsSchema,
  concurrencySettingsSchema,
  debounceSettingsSchema,
  batchSettingsSchema,
  flowKeySchema,
  retryPolicySchema,
  onErrorSchema,
  nodeIdSchema,
  nodeTypeIdSchema,
  handleIdSchema,
  type Workflow,
  type WorkflowInput,
  type WorkflowNode,
  type WorkflowEdge,
  type WorkflowSettings,
  type ConcurrencySettings,
  type DebounceSettings,
  type BatchSettings,
  type RetryPolicy,
  type OnError,
  type Position,
} from './model/workflow-schema';
export { parseWorkflow, type ParseWorkflowResult } from './model/parse-workflow';
export { workflowJsonSchema } from './model/json-schema';
export { diffWorkflows, workflowDiffSchema, edgeRefSchema, type WorkflowDiff, type EdgeRef } from './model/workflow-diff';
export { formatJsonPath, type JsonPath, type ValidationIssue } from './model/validation-issue';

export { authSpecSchema, type AuthSpec } from './registry/auth-spec';
export { mainInput, mainOutput, errorOutput, type HandleSpec } from './registry/handles';
export { routeTo, isRoutedOutput, type NodeContext, type NodeLogger, type StepInput, type RoutedOutput } from './registry/node-context';
export {
  defineNode,
  defineControlNode,
  defineTrigger,
  type NodeDefinition,
  type ActionNodeDefinition,
  type ControlNodeDefinition,
  type TriggerNodeDefinition,
  type DynamicOutputsSpec,
  type JoinMode,
  type TriggerSource,
} from './registry/node-definition';
export { defineConnector, type ConnectorDefinition } from './registry/connector-definition';
export { createRegistry, type Registry, type RegisteredNode, type RegistryEntry } from './registry/create-registry';
export type { RegistryManifest, NodeManifestEntry, ConnectorManifestEntry, JsonValue } from './registry/manifest';
export {
  defineWorkflow,
  type NodeTypes,
  type NodeTypeId,
  type Templated,
  type TemplateString,
  type TypedWorkflowNode,
  type TypedWorkflowInput,
} from './registry/node-types';

export { evaluateJmespath, compileJmespath } from './expressions/jmespath';
export { jmespathExpressionSchema } from './expressions/jmespath-expression-schema';
export { parseTemplate, hasTemplate, type ParsedTemplate, type TemplatePart } from './expressions/template';
export { evaluateTemplate, resolveTemplates } from './expressions/evaluate-template';
export { expressionRoots, type ExpressionScope, type ExpressionRoot } from './expressions/expression-scope';
export { collectScopeReferences, type ScopeReference } from './expressions/references';

export { compile, type CompileResult } from './compiler/compile';
export type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './compiler/diagnostic';
export type { ExecutionPlan, PlanNode, PlanLink } from './compiler/execution-plan';
export {
  migrateWorkflow,
  migratedNodeSchema,
  migrationIssueSchema,
  migrationIssueCodeSchema,
  type MigrateWorkflowResult,
  type MigratedNode,
  type MigrationIssue,
  type MigrationIssueCode,
} from './compiler/migrate-workflow';

export { coreNodes } from './nodes/core-nodes';
export { manualTrigger } from './nodes/core-manual';
export { ifNode } from './nodes/core-if';
export { switchNode } from './nodes/core-switch';
export { mergeNode } from './nodes/core-merge';
export { forEachNode } from './nodes/core-for-each';
export { delayNode } from './nodes/core-delay';
export { waitForEventNode } from './nodes/core-wait-for-event';
export { subWorkflowNode } from './nodes/core-sub-workflow';
export { terminateNode } from './nodes/core-terminate';
export { setVariablesNode } from './nodes/core-set-variables';

export { RetryableError, FatalError, RetryAfterError, TimeoutError, CancelledError, CircuitOpenError } from './errors/step-errors';
export { classifyError, toRecordedError, MAX_RECORDED_MESSAGE_LENGTH, type ErrorClassification } from './reliability/classify-error';
export { parseRetryAfter } from './reliability/parse-retry-after';
export { backoffDelay, planRetry, MAX_RETRY_AFTER_MS, type RetryDecision } from './reliability/retry-policy';
export { breakerOptionsSchema, type BreakerOptions, type BreakerOptionsInput, type BreakerState } from './reliability/circuit-breaker';
export { rateLimitOptionsSchema, type RateLimitOptions, type RateLimitOptionsInput } from './reliability/rate-limiter';
export { flowControlOptionsSchema, type FlowControlOptions, type BreakerView } from './reliability/flow-control';

export type { Clock } from './ports/clock';
export { realClock } from './ports/real-clock';
export type {
  RunStore,
  WorkflowRecord,
  WorkflowVersionRecord,
  RunStatus,
  RunRecord,
  StoredRunEvent,
  Page,
  PageRequest,
  RunFilter,
  CreateRunResult,
  StaleVersion,
  AppendResult,
  DeadLetter,
  FlowStateRecord,
  ConnectionRecord,
  ConnectionFilter,
  AuditActor,
  AuditAction,
  AuditEntry,
  AuditFilter,
  TriggerKind,
  TriggerRecord,
} from './ports/run-store';
export { createMemoryRunStore } from './ports/memory-run-store';
export { checkTriggerSet } from './ports/trigger-set';
export { encodeCursor, decodeCursor, pageLimit, defaultPageLimit, maxPageLimit, type CursorKey } from './ports/page-cursor';
export type { JobQueue, JobInput, Job, LeasedJob, JobHandler, ProcessOptions, QueueWorker, QueueDeadLetter } from './ports/job-queue';
export { createMemoryJobQueue, type MemoryJobQueueOptions } from './ports/memory-job-queue';
export { isBlobId, assertBlobId, assertBlobTenantId, sha256Hex, type BlobStore, type BlobInfo } from './ports/blob-store';
export { createMemoryBlobStore, type MemoryBlobStore } from './ports/memory-blob-store';
export { isBlobRef, type BlobRef } from './payloads/blob-ref';
export { payloadOptionsSchema, type PayloadOptions, type PayloadLimits } from './payloads/payload-options';

export { asTenantId, asWorkflowId, asWorkflowVersionId, asRunId, asJobId, asConnectionId, newId, newTimeOrderedId, type TenantId, type WorkflowId, type WorkflowVersionId, type RunId, type JobId, type ConnectionId, type Brand } from './ids';
export { createEngine, replayEvents, type Engine, type EngineOptions, type BreakersApi } from './runtime/engine';
export type { EngineLogger } from './runtime/engine-core';
export type { EngineHooks, StepRunner } from './runtime/step-hooks';
export type { EngineEvent, EngineEventMap } from './runtime/engine-events';
export type { RunEvent, RunEventType, RunEventOf, RecordedError, StepLogEntry, ParentLink } from './runtime/run-events';
export { foldRun, applyRunEvent, type RunState, type StepState, type StepStatus, type ChildState, type ParkState } from './runtime/run-state';
export type { RunView, StepView, RunLogView } from './runtime/run-view';
export type { TenantContext, WorkflowsApi } from './runtime/workflows-api';
export type { RunsApi, RunTarget, StartRunOptions, StartRunResult, RunListFilter } from './runtime/runs-api';
export type { DeferredStart } from './flow/deferred-start';

export { SecretVault, type SealedSecret } from './secrets/secret-vault';
export { createLocalKeyRing, parseKeyRing, generateKeyEncryptionKey, KeyRingConfigError, type KeyEncryptionKeys, type LocalKeyRingOptions } from './secrets/key-ring';
export { Redactor, redactedSecret, type RedactorOptions } from './secrets/redactor';
export { piiKindSchema, type PiiKind } from './secrets/pii-patterns';
export type { ConnectionsApi, ConnectionsContext, ConnectionView, ConnectionTestResult } from './connections/connections-api';
export type { StepConnection } from './connections/step-connection';
export type { AuthTarget } from './connections/apply-auth';
export type { KeyRotationResult } from './connections/key-rotation';
export type { OAuth2Client } from './connections/oauth2-client';
export { credentialsInputSchema, storedCredentialsSchema, type CredentialsInput, type StoredCredentials } from './connections/credentials';
export { maskSecret } from './connections/credential-summary';

export { webhookTrigger, webhookTriggerConfigSchema, type WebhookTriggerConfig } from './triggers/webhook-trigger';
export { scheduleTrigger, eventTrigger, eventTriggerConfigSchema } from './triggers/schedule-trigger';
export { respondNode, type RespondOutput } from './triggers/respond-node';
export { webhookSecretConnector } from './triggers/webhook-secret-connector';
export { webhookVerificationSchema, type WebhookVerification } from './triggers/webhook-auth/verification-scheme';
export { verifyWebhook, type WebhookVerdict } from './triggers/webhook-auth/verify-webhook';
export { signStandardWebhook, standardWebhookHeaders, generateWebhookSecret } from './triggers/webhook-auth/standard-webhooks';
export { scheduleConfigSchema, type ScheduleConfig } from './triggers/schedule/schedule-config';
export { nextFireAfter, nextFires } from './triggers/schedule/next-fire';
export type { TriggersApi, TriggerView } from './triggers/triggers-api';
export type { HostEventsApi } from './triggers/host-events';
export type { ConnectorsApi, TestActionResult } from './runtime/test-action';
export type { PollContext, PollResult, ConnectorWebhook, WebhookDelivery } from './registry/node-definition';
export type { SlotWait, SlotScopeKind } from './flow/run-concurrency';
export type { FailedRun, FailedRunsQuery, RedriveTarget, RedriveOutcome } from './flow/redrive';
export type { DryRunResult, PreviewStep, ReplayResult, ReplayDivergence } from './runtime/preview';
export { cloneJson } from './json/clone-json';
