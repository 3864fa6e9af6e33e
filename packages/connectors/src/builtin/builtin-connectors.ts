import { dataConnector } from './data-connector';
import { httpConnector } from './http-connector';
import { utilConnector } from './util-connector';
import { signedWebhookConnector } from './webhook-connector';

/**
 * The built-in connectors, ready for a registry next to core's nodes.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...coreNodes, ...builtinConnectors]);
 * ```
 */
export const builtinConnectors = [dataConnector, utilConnector, httpConnector, signedWebhookConnector] as const;
