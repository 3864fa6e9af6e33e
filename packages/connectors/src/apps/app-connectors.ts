import type { ConnectorDefinition } from '@pipewright/core';
import { discordConnector } from './discord';
import { githubConnector } from './github';
import { googleSheets } from './google-sheets';
import { notionConnector } from './notion';
import { openaiConnector } from './openai';
import { slackConnector } from './slack';
import { smtpConnector } from './smtp';
import { stripeConnector } from './stripe';
import { telegramConnector } from './telegram';

/** The app connectors, each against its service's real API. */
export const appConnectors: readonly ConnectorDefinition[] = [
  slackConnector,
  googleSheets,
  openaiConnector,
  githubConnector,
  discordConnector,
  smtpConnector,
  notionConnector,
  stripeConnector,
  telegramConnector,
];
