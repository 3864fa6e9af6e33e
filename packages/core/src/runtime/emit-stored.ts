import type { RunId, TenantId } from '../ids';
import type { RunEvent } from './run-events';
import type { EngineCore } from './engine-core';
import type { EngineEvent } from './engine-events';

/** Tells listeners about events once they are stored, by type and on `event`. */
export function emitStored(core: Pick<EngineCore, 'emitter'>, tenantId: TenantId, runId: RunId, events: readonly RunEvent[], firstSeq: number, at: number): void {
  const { emitter } = core;
  // Build payloads only for events someone listens to: this runs for every step.
  const all = emitter.listenerCount('event') > 0;
  if (!all && emitter.eventNames().length === 0) return;
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as RunEvent;
    const typed = emitter.listenerCount(event.type) > 0;
    if (!typed && !all) continue;
    const payload = { tenantId, runId, seq: firstSeq + index, at, event } as EngineEvent;
    if (typed) emitter.emit(event.type, payload as never);
    if (all) emitter.emit('event', payload);
  }
}
