// Type-only module: it adds the built-in node types to core's `NodeTypes`.
import './node-types';

export { builtinConnectors } from './builtin/builtin-connectors';
export { dataConnector } from './builtin/data-connector';
export { utilConnector } from './builtin/util-connector';
export { dataTransformNode, dataTransformConfigSchema } from './builtin/data-transform';
export { dataSetNode, dataSetConfigSchema, dataSetOperationSchema, type DataSetOperation } from './builtin/data-set';
export { dataFilterNode, dataFilterConfigSchema } from './builtin/data-filter';
export { utilLogNode, utilLogConfigSchema } from './builtin/util-log';
export { httpConnector } from './builtin/http-connector';
export { httpRequestNode, httpRequestConfigSchema, httpRequestBodySchema, type HttpRequestConfig, type HttpRequestOutput } from './builtin/http-request';
export { dataValidateNode, dataValidateConfigSchema, type ValidationFailure } from './builtin/data-validate';
export { signedWebhookConnector } from './builtin/webhook-connector';
export { webhookCallNode, webhookCallConfigSchema, type WebhookCallOutput } from './builtin/webhook-call';

export { httpRequest, type HttpRequest, type HttpResponse, type HttpMethod, type HttpContext } from './sdk/http-request';

export { appConnectors } from './apps/app-connectors';
export { slackConnector, slackPostMessageConfigSchema, slackListChannelsConfigSchema, slackOnEventTrigger, slackOnEventConfigSchema } from './apps/slack';
export { googleSheets, googleSheetsConnector, googleSheetsAppendRowConfigSchema, googleSheetsReadRangeConfigSchema, googleSheetsNewRowsTrigger, googleSheetsNewRowsConfigSchema } from './apps/google-sheets';
export { openaiConnector, openaiChatCompletionConfigSchema } from './apps/openai';
export { githubConnector, githubCreateIssueConfigSchema, githubListReposConfigSchema, githubOnEventTrigger, githubOnEventConfigSchema } from './apps/github';
export { discordConnector, discordSendWebhookMessageConfigSchema } from './apps/discord';
export { smtpConnector, smtpSendEmailConfigSchema } from './apps/smtp';
export { notionConnector, notionCreatePageConfigSchema } from './apps/notion';
export { stripeConnector, stripeListCustomersConfigSchema, stripeCreateCustomerConfigSchema } from './apps/stripe';
export { telegramConnector, telegramSendMessageConfigSchema } from './apps/telegram';

export * from './declarative/index';

export { createEgressFetch, egressOptionsSchema, EgressBlockedError, type EgressOptions } from './egress/egress-fetch';
export { isPrivateAddress } from './egress/private-address';
