import { defineConnector } from '@pipewright/core';
import { smtpSendEmailNode } from './send-email';

export { smtpSendEmailConfigSchema, smtpSendEmailNode, type SmtpSendEmailOutput } from './send-email';

/**
 * Email through any SMTP server. The connection holds the username and password; the
 * server (host, port, TLS) and sender are part of each action's config, so one
 * account can be used against a provider's several submission hosts.
 */
export const smtpConnector = defineConnector({
  id: 'smtp',
  name: 'SMTP',
  description: 'Send email through an SMTP server.',
  icon: 'mail',
  auth: { type: 'basic' },
  nodes: [smtpSendEmailNode],
  triggers: [],
});
