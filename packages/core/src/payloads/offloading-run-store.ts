import type { RunStore } from '../ports/run-store';
import type { Payloads } from './payloads';

/**
 * The run store as the engine writes through it: every payload of every event it
 * stores (step outputs, the run input and output, signal payloads, variables, child
 * results, `core.forEach` items) that is over the offload threshold goes to the blob
 * store first, and the event keeps its reference. Steps' outputs were stored by then
 * (`settleStepOutput`) and cost a lookup here; this catches the rest, such as a delay
 * passing a large input on, or the run's output. A run input over the step limit is
 * refused here, with `payload_too_large`, before the run exists.
 *
 * Every other method is the store's own.
 */
export function offloadingRunStore(store: RunStore, payloads: Payloads): RunStore {
  // Small payloads (nearly all) are told apart synchronously, and their events go to the
  // store as they are, without a promise in between.
  const overrides: Partial<RunStore> = {
    createRun: (run, events) =>
      payloads.needsOffload(run.tenantId, events)
        ? payloads.offloadEvents(run.tenantId, events, true).then((offloaded) => store.createRun(run, offloaded))
        : store.createRun(run, events),
  };
  const ofLatest = store.createRunOfLatest?.bind(store);
  if (ofLatest !== undefined) {
    overrides.createRunOfLatest = (run, events) =>
      payloads.needsOffload(run.tenantId, events) ? payloads.offloadEvents(run.tenantId, events, true).then((offloaded) => ofLatest(run, offloaded)) : ofLatest(run, events);
  }
  // Without a blob store nothing is offloaded: appends go straight through.
  if (payloads.offloads) {
    overrides.appendEvents = (tenantId, runId, expectedLastSeq, events, patch, at) =>
      payloads.needsOffload(tenantId, events)
        ? payloads.offloadEvents(tenantId, events).then((offloaded) => store.appendEvents(tenantId, runId, expectedLastSeq, offloaded, patch, at))
        : store.appendEvents(tenantId, runId, expectedLastSeq, events, patch, at);
  }
  // A Proxy rather than a copy of the methods: the store may be a class instance, and
  // ports gain methods; each method is bound once, not on every call.
  const bound = new Map<PropertyKey, { method: unknown; bound: unknown }>();
  return new Proxy(store, {
    get(target, key) {
      const override = overrides[key as keyof RunStore];
      if (override !== undefined) return override;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const cached = bound.get(key);
      if (cached?.method === value) return cached.bound;
      const method = value.bind(target) as unknown;
      bound.set(key, { method: value, bound: method });
      return method;
    },
  });
}
