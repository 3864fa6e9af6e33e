import { EventEmitter } from 'eventemitter3';
import type { RunId, TenantId } from '../ids';
import type { AuditEntry } from '../ports/run-store';
import type { RunEventOf, RunEventType } from './run-events';

/** A stored run event as listeners receive it. */
export interface EngineEvent<Type extends RunEventType = RunEventType> {
  tenantId: TenantId;
  runId: RunId;
  seq: number;
  at: number;
  event: RunEventOf<Type>;
}

/** Listener map: `engine.on('step.failed', (e) => e.event.error)` is typed by the event name. */
export type EngineEventMap = {
  // `event` receives every stored event, whatever its type.
  [Name in RunEventType | 'event']: Name extends RunEventType ? (payload: EngineEvent<Name>) => void : (payload: EngineEvent) => void;
} & {
  /** An entry of the audit trail of secret access (a connection decrypted, tested, refreshed...). */
  audit: (entry: AuditEntry) => void;
};

export class EngineEmitter extends EventEmitter<EngineEventMap> {}
