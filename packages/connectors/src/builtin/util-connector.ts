import { defineConnector } from '@pipewright/core';
import { utilLogNode } from './util-log';

/** Built-in helper nodes: `util.*`. */
export const utilConnector = defineConnector({
  id: 'util',
  name: 'Utilities',
  description: 'Helpers such as writing to the run log.',
  icon: 'wrench',
  auth: { type: 'none' },
  nodes: [utilLogNode],
  triggers: [],
});
