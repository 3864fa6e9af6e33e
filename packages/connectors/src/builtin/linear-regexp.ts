import { RE2JS } from 're2js';

/** A `pattern` the linear-time engine cannot run: a lookaround or a backreference. */
export class UnsupportedPatternError extends Error {}

/**
 * ajv's regular-expression engine for schemas that users write: RE2 (re2js) matches in
 * time linear in the input, so a pattern such as `^(a+)+$` cannot stall a worker that
 * serves every tenant (catastrophic backtracking in JavaScript's own engine). RE2 has no
 * lookarounds or backreferences; a pattern using them is refused when the schema compiles.
 */
export const linearRegExp = Object.assign(
  (pattern: string): { test(input: string): boolean; toString(): string } => {
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(pattern);
    } catch (error) {
      throw new UnsupportedPatternError(
        `The pattern ${JSON.stringify(pattern.slice(0, 200))} cannot run on the linear-time regular-expression engine (no lookarounds or backreferences): ${(error as Error).message}`,
      );
    }
    // ajv keys compiled patterns by `toString()`: it must differ per pattern.
    return { test: (input: string) => compiled.matcher(input).find(), toString: () => `re2:${pattern}` };
  },
  // ajv names the engine in standalone code; validators here are compiled at run time only.
  { code: 'linearRegExp' },
);
