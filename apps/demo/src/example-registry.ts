import { appConnectors, builtinConnectors } from '@pipewright/connectors';
import { coreNodes, createRegistry, webhookSecretConnector } from '@pipewright/core';

/**
 * The node types the demo knows: core control flow and triggers, the built-in
 * connectors, the app connectors, and the secret store incoming webhooks verify with.
 */
export const exampleRegistry = createRegistry([...coreNodes, ...builtinConnectors, ...appConnectors, webhookSecretConnector]);
