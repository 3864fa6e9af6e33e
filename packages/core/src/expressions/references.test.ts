import { describe, expect, it } from 'vitest';
import { compileJmespath } from './jmespath';
import { collectScopeReferences, type ScopeReference } from './references';

function references(expression: string): ScopeReference[] {
  return collectScopeReferences(compileJmespath(expression));
}

describe('collectScopeReferences', () => {
  describe('plain chains', () => {
    it('reads the root and the first key of a chain', () => {
      expect(references('steps.a.output.x')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('trigger.body.email')).toEqual([{ root: 'trigger', key: 'body' }]);
      expect(references('run.id')).toEqual([{ root: 'run', key: 'id' }]);
    });

    it('reads a root alone without a key', () => {
      expect(references('trigger')).toEqual([{ root: 'trigger' }]);
      expect(references('vars')).toEqual([{ root: 'vars' }]);
    });

    it('reads quoted node ids', () => {
      expect(references('steps."my-node".output')).toEqual([{ root: 'steps', key: 'my-node' }]);
      expect(references('"steps"."a b".output')).toEqual([{ root: 'steps', key: 'a b' }]);
    });

    it('reads chains that index after the key', () => {
      expect(references('steps.a.output[0]')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('steps.a.output[0].id')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('steps.a.output[-1:]')).toEqual([{ root: 'steps', key: 'a' }]);
    });

    it('reads the key right before an index or projection', () => {
      expect(references('trigger.items[0]')).toEqual([{ root: 'trigger', key: 'items' }]);
      expect(references('trigger.items[*].sku')).toEqual([{ root: 'trigger', key: 'items' }]);
      expect(references('trigger.items[?qty > `1`]')).toEqual([{ root: 'trigger', key: 'items' }]);
      expect(references('trigger.items[]')).toEqual([{ root: 'trigger', key: 'items' }]);
      expect(references('trigger.items[0:2]')).toEqual([{ root: 'trigger', key: 'items' }]);
    });

    it('reads a node id that is indexed or projected directly', () => {
      // The parser nests these as `steps . (a[0])`: the id sits on the right-hand side.
      expect(references('steps.a[0]')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('steps.a[*].output')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('$.steps."my-node"[0]')).toEqual([{ root: 'steps', key: 'my-node' }]);
    });

    it('binds ! tighter than a dot, so `!vars.b` reads vars without a key', () => {
      expect(references('!vars.b')).toEqual([{ root: 'vars' }]);
    });

    it('reads an index on the root itself without a key', () => {
      expect(references('trigger[0]')).toEqual([{ root: 'trigger' }]);
    });

    it('reports unknown roots as they are, for the compiler to reject', () => {
      expect(references('secrets.token')).toEqual([{ root: 'secrets', key: 'token' }]);
    });

    it('reads nothing from literals and the current node alone', () => {
      expect(references('`{"steps": 1}`')).toEqual([]);
      expect(references("'steps.a'")).toEqual([]);
      expect(references('@')).toEqual([]);
    });
  });

  describe('$ (the scope root)', () => {
    it('reads through $ at the top', () => {
      expect(references('$.steps.b.output')).toEqual([{ root: 'steps', key: 'b' }]);
      expect(references('$.vars')).toEqual([{ root: 'vars' }]);
    });

    it('reads through @ where @ is the scope, not inside projections', () => {
      expect(references('@.steps.a.output')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('length(@.trigger.items)')).toEqual([{ root: 'trigger', key: 'items' }]);
      expect(references('trigger.items[?@.steps > `1`]')).toEqual([{ root: 'trigger', key: 'items' }]);
      expect(references('trigger.items[*].[@.vars]')).toEqual([{ root: 'trigger', key: 'items' }]);
    });

    it('reads nothing for a bare $', () => {
      expect(references('$')).toEqual([]);
    });
  });

  describe('projections and filters', () => {
    it('reads only the projected root, not fields of each item', () => {
      expect(references('items[*].steps.q')).toEqual([{ root: 'items' }]);
      expect(references('trigger.rows[*].steps.q')).toEqual([{ root: 'trigger', key: 'rows' }]);
    });

    it('reads only the root of a value projection', () => {
      expect(references('steps.*.output')).toEqual([{ root: 'steps' }]);
      expect(references('*.vars')).toEqual([]);
    });

    it('reads only the left of a flatten projection', () => {
      expect(references('trigger.groups[].steps')).toEqual([{ root: 'trigger', key: 'groups' }]);
    });

    it('ignores fields of each item in a filter condition', () => {
      expect(references('trigger.items[?vars == `1`].steps')).toEqual([{ root: 'trigger', key: 'items' }]);
    });

    it('finds $ chains inside a projection', () => {
      expect(references('trigger.items[*].[sku, $.steps.b.output]')).toEqual([
        { root: 'trigger', key: 'items' },
        { root: 'steps', key: 'b' },
      ]);
    });

    it('finds $ chains inside a filter condition', () => {
      expect(references('steps.list.output[?sku == $.vars.sku].qty')).toEqual([
        { root: 'steps', key: 'list' },
        { root: 'vars', key: 'sku' },
      ]);
    });
  });

  describe('operators and functions', () => {
    it('reads function arguments', () => {
      expect(references('length(steps.a.output)')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references("join(', ', trigger.names)")).toEqual([{ root: 'trigger', key: 'names' }]);
    });

    it('reads a chain applied to a function result only through the arguments', () => {
      expect(references('to_array(steps.a.output)[0].id')).toEqual([{ root: 'steps', key: 'a' }]);
    });

    it('does not read expression references at scope, but finds $ inside them', () => {
      expect(references('sort_by(steps.a.output, &vars)')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('max_by(trigger.items, &$.vars.weight)')).toEqual([
        { root: 'trigger', key: 'items' },
        { root: 'vars', key: 'weight' },
      ]);
    });

    it('reads both sides of a comparison', () => {
      expect(references('trigger.amount > steps.limit.output')).toEqual([
        { root: 'trigger', key: 'amount' },
        { root: 'steps', key: 'limit' },
      ]);
    });

    it('reads both sides of and/or and the operand of not', () => {
      expect(references('trigger.a && !(vars.b) || steps.c.output')).toEqual([
        { root: 'trigger', key: 'a' },
        { root: 'vars', key: 'b' },
        { root: 'steps', key: 'c' },
      ]);
    });

    it('reads arithmetic operands', () => {
      expect(references('trigger.price * vars.rate + -steps.fee.output')).toEqual([
        { root: 'trigger', key: 'price' },
        { root: 'vars', key: 'rate' },
        { root: 'steps', key: 'fee' },
      ]);
    });

    it('reads multiselect hash values but not their keys', () => {
      expect(references('{steps: trigger.id, total: steps.sum.output}')).toEqual([
        { root: 'trigger', key: 'id' },
        { root: 'steps', key: 'sum' },
      ]);
    });

    it('reads multiselect list items', () => {
      expect(references('[trigger.a, steps.b.output, `1`]')).toEqual([
        { root: 'trigger', key: 'a' },
        { root: 'steps', key: 'b' },
      ]);
    });

    it('reads all three parts of a ternary', () => {
      expect(references('trigger.flag ? steps.a.output : vars.fallback')).toEqual([
        { root: 'trigger', key: 'flag' },
        { root: 'steps', key: 'a' },
        { root: 'vars', key: 'fallback' },
      ]);
    });

    it('reads let bindings and the body at scope, not the variables', () => {
      expect(references('let $x = steps.a.output in [$x.id, vars.y]')).toEqual([
        { root: 'steps', key: 'a' },
        { root: 'vars', key: 'y' },
      ]);
    });
  });

  describe('pipes', () => {
    it('reads the left side of a pipe only', () => {
      expect(references('steps.a.output | steps.b')).toEqual([{ root: 'steps', key: 'a' }]);
      expect(references('trigger.items[*].id | [0]')).toEqual([{ root: 'trigger', key: 'items' }]);
    });

    it('finds $ chains on the right side of a pipe', () => {
      expect(references('trigger.a | $.steps.b.output')).toEqual([
        { root: 'trigger', key: 'a' },
        { root: 'steps', key: 'b' },
      ]);
    });
  });

  it('lists repeated reads once per occurrence, in source order', () => {
    expect(references('[steps.a.output, steps.a.output.x]')).toEqual([
      { root: 'steps', key: 'a' },
      { root: 'steps', key: 'a' },
    ]);
  });
});
