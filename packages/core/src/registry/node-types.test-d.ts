import { describe, expectTypeOf, it } from 'vitest';
import type { WorkflowInput } from '../model/workflow-schema';
import { defineWorkflow, type NodeTypeId, type Templated } from './node-types';

describe('defineWorkflow', () => {
  it('types each node config by its node type', () => {
    const workflow = defineWorkflow({
      id: 'wf',
      name: 'Typed',
      nodes: [
        { id: 'start', type: 'core.manual', config: {} },
        { id: 'check', type: 'core.if', config: { condition: '{{ trigger.ok }}' } },
        { id: 'wait', type: 'core.delay', config: { mode: 'duration', durationMs: 1000 } },
        { id: 'wait2', type: 'core.delay', config: { mode: 'duration', durationMs: '{{ vars.delay }}' } },
        // @ts-expect-error `condition` is a boolean or a template, not any string
        { id: 'bad', type: 'core.if', config: { condition: 'yes' } },
        // @ts-expect-error `status` is an enum
        { id: 'stop', type: 'core.terminate', config: { status: 'done' } },
      ],
      edges: [],
    });
    expectTypeOf(workflow).toEqualTypeOf<WorkflowInput>();
  });

  it('keeps ids loaded at run time usable', () => {
    expectTypeOf<'vendor.custom'>().toExtend<NodeTypeId>();
    expectTypeOf<'core.if'>().toExtend<NodeTypeId>();
  });

  it('accepts templates only where a string fits or as a whole value', () => {
    expectTypeOf<'{{ x }}'>().toExtend<Templated<number>>();
    expectTypeOf<'7'>().not.toExtend<Templated<number>>();
    expectTypeOf<'a' | '{{ x }}'>().toExtend<Templated<'a' | 'b'>>();
    expectTypeOf<'c'>().not.toExtend<Templated<'a' | 'b'>>();
    expectTypeOf<'anything'>().toExtend<Templated<string>>();
  });
});
