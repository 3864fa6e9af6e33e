import { builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createRegistry } from '@pipewright/core';

/** The node types the demo knows: core control flow and the built-in connectors. */
export const exampleRegistry = createRegistry([...coreNodes, ...builtinConnectors]);
