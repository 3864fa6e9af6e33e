import type { RunEvent } from '../runtime/run-events';

/*
 * The payloads an event carries: user data of any size, which the engine may keep in
 * the blob store. Writing (offload) and reading (resolve) go through these two
 * functions, so they agree on where a reference may stand: in place of a whole payload,
 * or of one variable or one `core.forEach` item, never deeper.
 */

/** Calls `visit` with each payload of the event. */
export function visitPayloads(event: RunEvent, visit: (value: unknown) => void): void {
  switch (event.type) {
    case 'run.created':
      visit(event.input);
      return;
    case 'step.succeeded':
    case 'run.succeeded':
      visit(event.output);
      return;
    case 'child.finished':
      if (event.output !== undefined) visit(event.output);
      return;
    case 'signal.received':
      visit(event.payload);
      return;
    case 'variables.set':
      for (const key in event.variables) visit(event.variables[key]);
      return;
    case 'step.waiting':
      if (event.items) for (const item of event.items) visit(item);
      return;
    default:
      return;
  }
}

/** The event with each payload passed through `replace`: the same object when none changed, a copy otherwise. */
export function replacePayloads(event: RunEvent, replace: (value: unknown) => unknown): RunEvent {
  switch (event.type) {
    case 'run.created': {
      const input = replace(event.input);
      return input === event.input ? event : { ...event, input };
    }
    case 'step.succeeded':
    case 'run.succeeded': {
      const output = replace(event.output);
      return output === event.output ? event : { ...event, output };
    }
    case 'child.finished': {
      if (event.output === undefined) return event;
      const output = replace(event.output);
      return output === event.output ? event : { ...event, output };
    }
    case 'signal.received': {
      const payload = replace(event.payload);
      return payload === event.payload ? event : { ...event, payload };
    }
    case 'variables.set': {
      let variables: Record<string, unknown> | undefined;
      for (const key in event.variables) {
        const value = event.variables[key];
        const replaced = replace(value);
        if (replaced !== value) (variables ??= { ...event.variables })[key] = replaced;
      }
      return variables === undefined ? event : { ...event, variables };
    }
    case 'step.waiting': {
      if (!event.items) return event;
      let items: unknown[] | undefined;
      for (const [index, item] of event.items.entries()) {
        const replaced = replace(item);
        if (replaced !== item) (items ??= [...event.items])[index] = replaced;
      }
      return items === undefined ? event : { ...event, items };
    }
    default:
      return event;
  }
}
