import { TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';
import { PipewrightError } from '../errors/pipewright-error';
import type { JsonPath } from '../model/validation-issue';
import type { ExpressionScope } from './expression-scope';
import { hasTemplate, parseTemplate } from './template';

function interpolate(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Evaluates one config string. A string that is exactly one `{{ }}` keeps the type
 * of its value (number, object, ...); otherwise the values are interpolated as text.
 *
 * @example
 * ```ts
 * const scope = { trigger: { n: 2 }, steps: {}, vars: {}, run: { id: 'r', workflowId: 'w', startedAt: '' } };
 * evaluateTemplate('{{ trigger.n }}', scope); // 2
 * evaluateTemplate('n = {{ trigger.n }}', scope); // "n = 2"
 * ```
 */
export function evaluateTemplate(source: string, scope: ExpressionScope): unknown {
  if (!hasTemplate(source)) return source;
  const template = parseTemplate(source);
  let text = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      text += part.text;
      continue;
    }
    let value: unknown;
    try {
      value = TreeInterpreter.search(part.ast, scope as unknown as JSONValue);
    } catch (error) {
      throw new PipewrightError('expression_failed', `Expression "${part.source}" failed: ${(error as Error).message}`, {
        cause: error,
        details: { expression: part.source },
      });
    }
    if (template.whole) return value;
    text += interpolate(value);
  }
  return text;
}

/**
 * Resolves every template inside a config value (objects and arrays deeply). Values
 * without templates are returned as they are, so an untouched subtree is not copied.
 *
 * @throws PipewrightError `invalid_expression` / `expression_failed` with
 * `details.path`, the location of the failing string inside `value`.
 */
export function resolveTemplates(value: unknown, scope: ExpressionScope, path: JsonPath = []): unknown {
  if (typeof value === 'string') {
    try {
      return evaluateTemplate(value, scope);
    } catch (error) {
      if (PipewrightError.is(error)) {
        throw new PipewrightError(error.code, error.message, { cause: error.cause, details: { ...error.details, path } });
      }
      throw error;
    }
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const resolved = resolveTemplates(value[i], scope, [...path, i]);
      if (resolved !== value[i]) (copy ??= [...value])[i] = resolved;
    }
    return copy ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveTemplates(item, scope, [...path, key]);
      if (resolved !== item) (copy ??= { ...value })[key] = resolved;
    }
    return copy ?? value;
  }
  return value;
}
