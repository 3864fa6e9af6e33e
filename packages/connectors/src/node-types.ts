import type { z } from 'zod';
import type { dataFilterConfigSchema } from './builtin/data-filter';
import type { dataSetConfigSchema } from './builtin/data-set';
import type { dataTransformConfigSchema } from './builtin/data-transform';
import type { utilLogConfigSchema } from './builtin/util-log';
import type { dataValidateConfigSchema } from './builtin/data-validate';
import type { httpRequestConfigSchema } from './builtin/http-request';
import type { webhookCallConfigSchema } from './builtin/webhook-call';
import type { discordSendWebhookMessageConfigSchema } from './apps/discord';
import type { githubCreateIssueConfigSchema, githubListReposConfigSchema } from './apps/github';
import type { googleSheetsAppendRowConfigSchema, googleSheetsReadRangeConfigSchema } from './apps/google-sheets';
import type { notionCreatePageConfigSchema } from './apps/notion';
import type { openaiChatCompletionConfigSchema } from './apps/openai';
import type { slackListChannelsConfigSchema, slackPostMessageConfigSchema } from './apps/slack';
import type { smtpSendEmailConfigSchema } from './apps/smtp';
import type { stripeCreateCustomerConfigSchema, stripeListCustomersConfigSchema } from './apps/stripe';
import type { telegramSendMessageConfigSchema } from './apps/telegram';

// Config types of the built-in nodes, so that `defineWorkflow` checks them.
declare module '@pipewright/core' {
  interface NodeTypes {
    'data.transform': z.input<typeof dataTransformConfigSchema>;
    'data.set': z.input<typeof dataSetConfigSchema>;
    'data.filter': z.input<typeof dataFilterConfigSchema>;
    'util.log': z.input<typeof utilLogConfigSchema>;
    'data.validate': z.input<typeof dataValidateConfigSchema>;
    'http.request': z.input<typeof httpRequestConfigSchema>;
    'webhook.call': z.input<typeof webhookCallConfigSchema>;
    'slack.postMessage': z.input<typeof slackPostMessageConfigSchema>;
    'slack.listChannels': z.input<typeof slackListChannelsConfigSchema>;
    'googleSheets.appendRow': z.input<typeof googleSheetsAppendRowConfigSchema>;
    'googleSheets.readRange': z.input<typeof googleSheetsReadRangeConfigSchema>;
    'openai.chatCompletion': z.input<typeof openaiChatCompletionConfigSchema>;
    'github.createIssue': z.input<typeof githubCreateIssueConfigSchema>;
    'github.listRepos': z.input<typeof githubListReposConfigSchema>;
    'discord.sendWebhookMessage': z.input<typeof discordSendWebhookMessageConfigSchema>;
    'smtp.sendEmail': z.input<typeof smtpSendEmailConfigSchema>;
    'notion.createPage': z.input<typeof notionCreatePageConfigSchema>;
    'stripe.listCustomers': z.input<typeof stripeListCustomersConfigSchema>;
    'stripe.createCustomer': z.input<typeof stripeCreateCustomerConfigSchema>;
    'telegram.sendMessage': z.input<typeof telegramSendMessageConfigSchema>;
  }
}
