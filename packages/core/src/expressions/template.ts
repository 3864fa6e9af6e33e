import { PipewrightError } from '../errors/pipewright-error';
import { compileJmespath, type JmespathAst } from './jmespath';

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'expression'; source: string; ast: JmespathAst; offset: number };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** The whole string is one `{{ }}`: its value keeps its type instead of becoming text. */
  whole: boolean;
}

/** True when the string holds a `{{` and therefore needs template handling. */
export function hasTemplate(value: string): boolean {
  return value.includes('{{');
}

/**
 * Finds the `}}` that closes an expression starting at `from`. JMESPath itself uses
 * braces (`{a: b}`) and quotes, so a closing brace inside those does not count.
 */
function findClose(source: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const char = source[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '{') depth++;
    else if (char === '}') {
      if (depth === 0 && source[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

const parsedCache = new Map<string, ParsedTemplate>();
const parsedCacheLimit = 5_000;

/**
 * Splits a config string into text and `{{ expression }}` parts. Expressions are
 * JMESPath over `{ trigger, steps, vars, run, input }`. `\{{` writes a literal `{{`.
 *
 * @example
 * ```ts
 * parseTemplate('Hello {{ trigger.name }}').parts.length; // 2
 * parseTemplate('{{ steps.count.output }}').whole; // true
 * ```
 * @throws PipewrightError `invalid_expression` for an unclosed `{{`, an empty
 * expression or a JMESPath syntax error.
 */
export function parseTemplate(source: string): ParsedTemplate {
  const cached = parsedCache.get(source);
  if (cached) return cached;

  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) {
      text += source.slice(i);
      break;
    }
    if (open > 0 && source[open - 1] === '\\') {
      text += source.slice(i, open - 1) + '{{';
      i = open + 2;
      continue;
    }
    text += source.slice(i, open);
    const close = findClose(source, open + 2);
    if (close === -1) {
      throw new PipewrightError('invalid_expression', `Unclosed "{{" at position ${open}`, { details: { source, offset: open } });
    }
    const expression = source.slice(open + 2, close).trim();
    if (expression === '') {
      throw new PipewrightError('invalid_expression', `Empty expression at position ${open}`, { details: { source, offset: open } });
    }
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    parts.push({ kind: 'expression', source: expression, ast: compileJmespath(expression), offset: open });
    i = close + 2;
  }
  if (text !== '') parts.push({ kind: 'text', text });

  const parsed: ParsedTemplate = { parts, whole: parts.length === 1 && parts[0]?.kind === 'expression' };
  if (parsedCache.size >= parsedCacheLimit) parsedCache.delete(parsedCache.keys().next().value as string);
  parsedCache.set(source, parsed);
  return parsed;
}
