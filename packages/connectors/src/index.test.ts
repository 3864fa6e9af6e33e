import { compile, coreNodes, createRegistry } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import * as connectors from './index';

describe('@pipewright/connectors', () => {
  it('exports the built-in connectors and nodes', () => {
    expect(Object.keys(connectors).sort()).toEqual([
      'builtinConnectors',
      'dataConnector',
      'dataFilterConfigSchema',
      'dataFilterNode',
      'dataSetConfigSchema',
      'dataSetNode',
      'dataSetOperationSchema',
      'dataTransformConfigSchema',
      'dataTransformNode',
      'utilConnector',
      'utilLogConfigSchema',
      'utilLogNode',
    ]);
    expect(connectors.builtinConnectors).toEqual([connectors.dataConnector, connectors.utilConnector]);
  });

  it('runs the README example', () => {
    const registry = createRegistry([...coreNodes, ...connectors.builtinConnectors]);
    const result = compile(
      {
        id: 'adults',
        name: 'Adults',
        nodes: [
          { id: 'start', type: 'core.manual', config: {} },
          { id: 'names', type: 'data.transform', config: { expression: 'people[?age >= `18`].name' } },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'names' }],
      },
      registry,
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
