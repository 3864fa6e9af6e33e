import { defineConnector } from '@pipewright/core';
import { dataFilterNode } from './data-filter';
import { dataSetNode } from './data-set';
import { dataTransformNode } from './data-transform';
import { dataValidateNode } from './data-validate';

/** Built-in nodes that reshape data without leaving the process: `data.*`. */
export const dataConnector = defineConnector({
  id: 'data',
  name: 'Data',
  description: 'Transform, set, filter and validate data inside a workflow.',
  icon: 'database',
  auth: { type: 'none' },
  nodes: [dataTransformNode, dataSetNode, dataFilterNode, dataValidateNode],
  triggers: [],
});
