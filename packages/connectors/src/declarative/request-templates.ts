import { evaluateJmespath, FatalError, hasTemplate, parseTemplate, resolveTemplates, type ExpressionScope, type JsonPath } from '@pipewright/core';

/** What a request template reads: `{{ config.x }}` and `{{ input.y }}`. */
export interface TemplateValues {
  config: Record<string, unknown>;
  input: unknown;
}

/**
 * Core's template evaluator takes a workflow expression scope; a request template sees
 * only `config` and `input` (the parser rejects other roots), so the rest stays empty.
 */
function scopeOf(values: TemplateValues): ExpressionScope & { config: Record<string, unknown> } {
  return { trigger: null, steps: {}, vars: {}, run: { id: '', workflowId: '', startedAt: '' }, input: values.input, config: values.config };
}

const omitted = Symbol('omitted');

function resolveNode(template: unknown, scope: ExpressionScope, path: JsonPath): unknown {
  if (typeof template === 'string') {
    if (!hasTemplate(template)) return template;
    const value = resolveTemplates(template, scope, path);
    // A template that yields nothing leaves its key out (an optional config field that
    // was not set); a literal null written in the connector is still sent.
    return value === null || value === undefined ? omitted : value;
  }
  if (Array.isArray(template)) return template.map((item, index) => resolveNode(item, scope, [...path, index])).filter((item) => item !== omitted);
  if (typeof template === 'object' && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(template)) {
      const value = resolveNode(item, scope, [...path, key]);
      if (value !== omitted) out[key] = value;
    }
    return out;
  }
  return template;
}

/** Resolves a request template (query, headers or body); undefined when it resolves to nothing. */
export function resolveRequestTemplate(template: unknown, values: TemplateValues, path: JsonPath = []): unknown {
  const value = resolveNode(template, scopeOf(values), path);
  return value === omitted ? undefined : value;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Query parameters: scalars as they are, lists comma-joined, objects as JSON. */
export function resolveQuery(template: Record<string, unknown> | undefined, values: TemplateValues): Record<string, string | number | boolean> {
  const resolved = resolveRequestTemplate(template ?? {}, values, ['query']) as Record<string, unknown>;
  const query: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(resolved)) {
    query[name] = typeof value === 'number' || typeof value === 'boolean' ? value : Array.isArray(value) ? value.map(asText).join(',') : asText(value);
  }
  return query;
}

export function resolveHeaders(template: Record<string, unknown> | undefined, values: TemplateValues): Record<string, string> {
  const resolved = resolveRequestTemplate(template ?? {}, values, ['headers']) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(resolved).map(([name, value]) => [name, asText(value)]));
}

/**
 * The URL path with each `{{ config.x }}` URL-encoded as one segment, so a value such
 * as `a/../b` cannot reach another resource. An empty value fails the step for the same
 * reason: `/v1/customers/` lists instead of reading one.
 */
export function resolvePath(path: string, values: TemplateValues): string {
  if (!hasTemplate(path)) return path;
  let out = '';
  for (const part of parseTemplate(path).parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = evaluateJmespath(part.source, scopeOf(values));
    if (value === null || value === undefined || value === '') throw new FatalError(`The request path needs ${part.source}, which is empty`);
    out += encodeURIComponent(asText(value));
  }
  return out;
}
