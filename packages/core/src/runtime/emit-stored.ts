import type { RunId, TenantId } from '../ids';
import type { StoredRunEvent } from '../ports/run-store';
import type { EngineCore } from './engine-core';
import type { EngineEvent } from './engine-events';

/** Tells listeners about events once they are stored, by type and on `event`. */
export function emitStored(core: Pick<EngineCore, 'emitter'>, tenantId: TenantId, runId: RunId, events: readonly StoredRunEvent[]): void {
  const { emitter } = core;
  // Build payloads only for events someone listens to: this runs for every step.
  const all = emitter.listenerCount('event') > 0;
  if (!all && emitter.eventNames().length === 0) return;
  for (const stored of events) {
    const typed = emitter.listenerCount(stored.event.type) > 0;
    if (!typed && !all) continue;
    const payload = { tenantId, runId, seq: stored.seq, at: stored.at, event: stored.event } as EngineEvent;
    if (typed) emitter.emit(stored.event.type, payload as never);
    if (all) emitter.emit('event', payload);
  }
}
