import { describe, expect, it } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { hasTemplate, parseTemplate, type TemplatePart } from './template';

/** The parts without their syntax trees, which are the parser's business. */
function shape(parts: readonly TemplatePart[]): Array<{ kind: 'text'; text: string } | { kind: 'expression'; source: string; offset: number }> {
  return parts.map((part) =>
    part.kind === 'text' ? { kind: 'text', text: part.text } : { kind: 'expression', source: part.source, offset: part.offset },
  );
}

function parseError(source: string): PipewrightError {
  try {
    parseTemplate(source);
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error(`parseTemplate(${JSON.stringify(source)}) did not throw`);
}

describe('hasTemplate', () => {
  it('is true when the string holds "{{"', () => {
    expect(hasTemplate('Hello {{ trigger.name }}')).toBe(true);
    expect(hasTemplate('{{')).toBe(true);
  });

  it('is false for plain strings and single braces', () => {
    expect(hasTemplate('')).toBe(false);
    expect(hasTemplate('plain text')).toBe(false);
    expect(hasTemplate('{ "json": true }')).toBe(false);
    expect(hasTemplate('a } } b')).toBe(false);
  });

  it('is true for an escaped "\\{{" too, since it still needs unescaping', () => {
    expect(hasTemplate('\\{{ literal }}')).toBe(true);
  });
});

describe('parseTemplate', () => {
  describe('splitting text and expressions', () => {
    it('splits leading text from a trailing expression', () => {
      const parsed = parseTemplate('Hello {{ trigger.name }}');
      expect(parsed.whole).toBe(false);
      expect(shape(parsed.parts)).toEqual([
        { kind: 'text', text: 'Hello ' },
        { kind: 'expression', source: 'trigger.name', offset: 6 },
      ]);
    });

    it('splits text between and after several expressions', () => {
      const parsed = parseTemplate('{{ a }} and {{b}}!');
      expect(parsed.whole).toBe(false);
      expect(shape(parsed.parts)).toEqual([
        { kind: 'expression', source: 'a', offset: 0 },
        { kind: 'text', text: ' and ' },
        { kind: 'expression', source: 'b', offset: 12 },
        { kind: 'text', text: '!' },
      ]);
    });

    it('keeps adjacent expressions as separate parts without empty text between them', () => {
      const parsed = parseTemplate('{{ a }}{{ b }}');
      expect(parsed.whole).toBe(false);
      expect(shape(parsed.parts)).toEqual([
        { kind: 'expression', source: 'a', offset: 0 },
        { kind: 'expression', source: 'b', offset: 7 },
      ]);
    });

    it('returns a single text part for a string without "{{"', () => {
      const parsed = parseTemplate('just text }}');
      expect(parsed.whole).toBe(false);
      expect(shape(parsed.parts)).toEqual([{ kind: 'text', text: 'just text }}' }]);
    });

    it('returns no parts for the empty string', () => {
      expect(parseTemplate('')).toEqual({ parts: [], whole: false });
    });

    it('trims whitespace around the expression source', () => {
      const parsed = parseTemplate('{{\n  steps.fetch.output  \t}}');
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: 'steps.fetch.output', offset: 0 }]);
    });

    it('attaches the compiled JMESPath syntax tree to each expression', () => {
      const [part] = parseTemplate('{{ trigger.name }}').parts;
      expect(part?.kind).toBe('expression');
      if (part?.kind !== 'expression') return;
      expect(part.ast).toEqual({
        type: 'Subexpression',
        left: { type: 'Field', name: 'trigger' },
        right: { type: 'Field', name: 'name' },
      });
    });

    it('returns the same parsed template for the same source (cached)', () => {
      expect(parseTemplate('cached {{ trigger.x }}')).toBe(parseTemplate('cached {{ trigger.x }}'));
    });
  });

  describe('whole-string detection', () => {
    it('is whole when the string is exactly one expression', () => {
      expect(parseTemplate('{{ steps.count.output }}').whole).toBe(true);
      expect(parseTemplate('{{x}}').whole).toBe(true);
    });

    it('is not whole when whitespace or text surrounds the expression', () => {
      expect(parseTemplate(' {{ x }}').whole).toBe(false);
      expect(parseTemplate('{{ x }} ').whole).toBe(false);
      expect(parseTemplate('n={{ x }}').whole).toBe(false);
    });

    it('is not whole for two expressions', () => {
      expect(parseTemplate('{{ x }}{{ y }}').whole).toBe(false);
    });
  });

  describe('escaping', () => {
    it('turns "\\{{" into a literal "{{" without parsing an expression', () => {
      const parsed = parseTemplate('\\{{ not an expression }}');
      expect(parsed.whole).toBe(false);
      expect(shape(parsed.parts)).toEqual([{ kind: 'text', text: '{{ not an expression }}' }]);
    });

    it('mixes escaped and real expressions', () => {
      const parsed = parseTemplate('use \\{{ name }} for {{ trigger.kind }}');
      expect(shape(parsed.parts)).toEqual([
        { kind: 'text', text: 'use {{ name }} for ' },
        { kind: 'expression', source: 'trigger.kind', offset: 20 },
      ]);
    });

    it('does not treat an escaped "{{" as unclosed', () => {
      expect(shape(parseTemplate('a \\{{ b').parts)).toEqual([{ kind: 'text', text: 'a {{ b' }]);
    });
  });

  describe('braces and quotes inside the expression', () => {
    it('does not close on the braces of a multiselect hash', () => {
      const parsed = parseTemplate('{{ {a: trigger.x} }}');
      expect(parsed.whole).toBe(true);
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: '{a: trigger.x}', offset: 0 }]);
    });

    it('closes right after a multiselect hash that ends in "}}}"', () => {
      const parsed = parseTemplate('{{ {a: b}}}');
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: '{a: b}', offset: 0 }]);
    });

    it('handles nested multiselect hashes whose braces form "}}"', () => {
      const parsed = parseTemplate('x {{ {a: {b: trigger.c}} }} y');
      expect(shape(parsed.parts)).toEqual([
        { kind: 'text', text: 'x ' },
        { kind: 'expression', source: '{a: {b: trigger.c}}', offset: 2 },
        { kind: 'text', text: ' y' },
      ]);
    });

    it('ignores "}}" inside a raw string literal', () => {
      const parsed = parseTemplate("{{ join('}}', @) }}");
      expect(parsed.whole).toBe(true);
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: "join('}}', @)", offset: 0 }]);
    });

    it('ignores "}}" inside a quoted identifier', () => {
      const parsed = parseTemplate('{{ trigger."a}}b" }}');
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: 'trigger."a}}b"', offset: 0 }]);
    });

    it('ignores "}}" inside a JSON literal in backticks', () => {
      const parsed = parseTemplate('{{ `{"a": {"b": 1}}` }}');
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: '`{"a": {"b": 1}}`', offset: 0 }]);
    });

    it('skips an escaped quote inside a quoted string', () => {
      const parsed = parseTemplate("{{ join('\\'}}', @) }} tail");
      expect(shape(parsed.parts)).toEqual([
        { kind: 'expression', source: "join('\\'}}', @)", offset: 0 },
        { kind: 'text', text: ' tail' },
      ]);
    });

    it('ignores an unbalanced closing brace inside a string', () => {
      const parsed = parseTemplate("{{ join('{', @) }}");
      expect(shape(parsed.parts)).toEqual([{ kind: 'expression', source: "join('{', @)", offset: 0 }]);
    });
  });

  describe('errors', () => {
    it('rejects an unclosed "{{" with invalid_expression and its offset', () => {
      const error = parseError('Hello {{ trigger.name');
      expect(error).toBeInstanceOf(PipewrightError);
      expect(error.code).toBe('invalid_expression');
      expect(error.message).toContain('Unclosed');
      expect(error.details).toEqual({ source: 'Hello {{ trigger.name', offset: 6 });
    });

    it('rejects a "{{" that is only closed inside a string literal', () => {
      const error = parseError("{{ join('}}', @)");
      expect(error.code).toBe('invalid_expression');
      expect(error.details['offset']).toBe(0);
    });

    it('rejects a second unclosed "{{" after a valid one', () => {
      const error = parseError('{{ a }} and {{ b');
      expect(error.code).toBe('invalid_expression');
      expect(error.details['offset']).toBe(12);
    });

    it('rejects an empty expression', () => {
      for (const source of ['{{}}', '{{ }}', 'x {{   }} y']) {
        const error = parseError(source);
        expect(error.code).toBe('invalid_expression');
        expect(error.message).toContain('Empty expression');
        expect(error.details['source']).toBe(source);
      }
      expect(parseError('x {{   }} y').details['offset']).toBe(2);
    });

    it('rejects a JMESPath syntax error with the expression in details', () => {
      const error = parseError('total: {{ trigger.[ }}');
      expect(error.code).toBe('invalid_expression');
      expect(error.details['expression']).toBe('trigger.[');
      expect(error.cause).toBeInstanceOf(Error);
    });

    it('rejects other syntax errors', () => {
      expect(parseError('{{ a b }}').code).toBe('invalid_expression');
      expect(parseError('{{ foo(}}').code).toBe('invalid_expression');
      expect(parseError('{{ a == }}').code).toBe('invalid_expression');
    });
  });
});
