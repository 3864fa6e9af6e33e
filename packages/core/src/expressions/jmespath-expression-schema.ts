import { z } from 'zod';
import { compileJmespath } from './jmespath';

function parses(expression: string): boolean {
  try {
    compileJmespath(expression);
    return true;
  } catch {
    return false;
  }
}

/** A config field that holds a JMESPath expression; a syntax error is a config issue. */
export const jmespathExpressionSchema = z
  .string()
  .min(1)
  .refine(parses, { message: 'Not a valid JMESPath expression' })
  .meta({ format: 'jmespath' });
