import { PipewrightError } from '../errors/pipewright-error';
import { evaluateTemplate } from '../expressions/evaluate-template';

/** Longer key values are hashed: they become part of a flow-state key, which stores index. */
const maxPlainLength = 200;

async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The value of a flow key template (`settings.concurrency.key`, `debounce.key`,
 * `batch.key`) for one start, as text. The template reads the start's input as
 * `trigger` and the workflow's initial `vars`; the same input always gives the same
 * key, so a key can be worked out again from the run when its slot is released.
 *
 * @throws PipewrightError `invalid_input` when the key is empty for this input, and the
 * template's own `expression_failed` when it cannot be evaluated.
 */
export async function evaluateFlowKey(
  template: string,
  input: unknown,
  variables: Record<string, unknown>,
  workflowId: string,
  setting: 'concurrency' | 'debounce' | 'batch',
): Promise<string> {
  const value = evaluateTemplate(template, { trigger: input, steps: {}, vars: variables, run: { id: '', workflowId, startedAt: '' } });
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (text === '') {
    throw new PipewrightError('invalid_input', `The ${setting} key "${template}" is empty for this input`, { details: { setting, template } });
  }
  return text.length > maxPlainLength ? `sha256:${await sha256(text)}` : text;
}
