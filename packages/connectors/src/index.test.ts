import { compile, coreNodes, createRegistry } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import * as connectors from './index';

describe('@pipewright/connectors', () => {
  it('exports the built-in connectors and nodes', () => {
    expect(Object.keys(connectors).sort()).toEqual([
      'EgressBlockedError',
      'appConnectors',
      'builtinConnectors',
      'createEgressFetch',
      'dataConnector',
      'dataFilterConfigSchema',
      'dataFilterNode',
      'dataSetConfigSchema',
      'dataSetNode',
      'dataSetOperationSchema',
      'dataTransformConfigSchema',
      'dataTransformNode',
      'dataValidateConfigSchema',
      'dataValidateNode',
      'declarativeActionSchema',
      'declarativeConnectorJsonSchema',
      'declarativeConnectorSchema',
      'declarativeToConnector',
      'discordConnector',
      'discordSendWebhookMessageConfigSchema',
      'egressOptionsSchema',
      'githubConnector',
      'githubCreateIssueConfigSchema',
      'githubListReposConfigSchema',
      'githubOnEventConfigSchema',
      'githubOnEventTrigger',
      'googleSheets',
      'googleSheetsAppendRowConfigSchema',
      'googleSheetsConnector',
      'googleSheetsNewRowsConfigSchema',
      'googleSheetsNewRowsTrigger',
      'googleSheetsReadRangeConfigSchema',
      'httpConnector',
      'httpRequest',
      'httpRequestBodySchema',
      'httpRequestConfigSchema',
      'httpRequestNode',
      'isPrivateAddress',
      'notionConnector',
      'notionCreatePageConfigSchema',
      'openaiChatCompletionConfigSchema',
      'openaiConnector',
      'paginationSchema',
      'parseDeclarativeConnector',
      'signedWebhookConnector',
      'slackConnector',
      'slackListChannelsConfigSchema',
      'slackOnEventConfigSchema',
      'slackOnEventTrigger',
      'slackPostMessageConfigSchema',
      'smtpConnector',
      'smtpSendEmailConfigSchema',
      'stripeConnector',
      'stripeCreateCustomerConfigSchema',
      'stripeListCustomersConfigSchema',
      'telegramConnector',
      'telegramSendMessageConfigSchema',
      'templateRoots',
      'utilConnector',
      'utilLogConfigSchema',
      'utilLogNode',
      'webhookCallConfigSchema',
      'webhookCallNode',
    ]);
    expect(connectors.builtinConnectors).toEqual([connectors.dataConnector, connectors.utilConnector, connectors.httpConnector, connectors.signedWebhookConnector]);
    expect(connectors.appConnectors.map((connector) => connector.id)).toEqual(['slack', 'googleSheets', 'openai', 'github', 'discord', 'smtp', 'notion', 'stripe', 'telegram']);
  });

  it('registers every built-in and app connector together: no node type is claimed twice', () => {
    const registry = createRegistry([...coreNodes, ...connectors.builtinConnectors, ...connectors.appConnectors]);
    expect(registry.connectors().map((connector) => connector.id)).toHaveLength(13);
    expect(registry.get('slack.postMessage')?.connector?.id).toBe('slack');
    expect(registry.get('http.request')?.definition.kind).toBe('action');
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
