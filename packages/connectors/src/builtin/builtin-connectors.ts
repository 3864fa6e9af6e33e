import { dataConnector } from './data-connector';
import { utilConnector } from './util-connector';

/**
 * The built-in connectors, ready for a registry next to core's nodes.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...coreNodes, ...builtinConnectors]);
 * ```
 */
export const builtinConnectors = [dataConnector, utilConnector] as const;
