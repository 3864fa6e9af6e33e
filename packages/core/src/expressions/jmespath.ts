import { compile, TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';
import { PipewrightError } from '../errors/pipewright-error';

export type JmespathAst = ReturnType<typeof compile>;

const cacheLimit = 5_000;
const compiled = new Map<string, JmespathAst>();

/**
 * Parses a JMESPath expression, caching the syntax tree: the same expressions are
 * evaluated for every run and every item.
 *
 * @throws PipewrightError `invalid_expression` on a syntax error.
 */
export function compileJmespath(expression: string): JmespathAst {
  const cached = compiled.get(expression);
  if (cached) return cached;
  let ast: JmespathAst;
  try {
    ast = compile(expression);
  } catch (error) {
    throw new PipewrightError('invalid_expression', `Invalid expression "${expression}": ${(error as Error).message}`, {
      cause: error,
      details: { expression },
    });
  }
  // A plain bounded cache: drop the oldest entry once full (Map keeps insertion order).
  if (compiled.size >= cacheLimit) compiled.delete(compiled.keys().next().value as string);
  compiled.set(expression, ast);
  return ast;
}

/**
 * Evaluates a JMESPath expression (the community edition, which passes the official
 * compliance suite) against JSON data. No JavaScript is ever evaluated.
 *
 * @example
 * ```ts
 * evaluateJmespath('items[?price > `10`].name', { items: [{ name: 'a', price: 12 }] }); // ['a']
 * ```
 * @throws PipewrightError `invalid_expression` on a syntax error, `expression_failed`
 * when evaluation fails (e.g. a function called with the wrong type).
 */
export function evaluateJmespath(expression: string, data: unknown): unknown {
  const ast = compileJmespath(expression);
  try {
    return TreeInterpreter.search(ast, data as JSONValue);
  } catch (error) {
    throw new PipewrightError('expression_failed', `Expression "${expression}" failed: ${(error as Error).message}`, {
      cause: error,
      details: { expression },
    });
  }
}
