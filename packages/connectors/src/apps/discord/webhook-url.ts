import { FatalError, type NodeContext } from '@pipewright/core';

/** An incoming webhook: its URL carries its token, so the URL is the secret. */
export interface DiscordWebhook {
  url: URL;
  id: string;
  /** The secret part of the URL; kept out of every error. */
  token: string;
}

// `/api/webhooks/<id>/<token>`, optionally versioned (`/api/v10/webhooks/…`).
const webhookPath = /\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([^/]+)\/?$/;

/** The webhook URL stored in the step's connection (a bearer credential). */
export function webhookOf(ctx: Pick<NodeContext<unknown>, 'connection'>): DiscordWebhook {
  const credentials = ctx.connection?.credentials;
  if (credentials?.type !== 'bearer') throw new FatalError('Discord actions need a connection holding the webhook URL as a bearer token');
  // Parse errors would echo the URL: say what is wrong without it.
  let url: URL;
  try {
    url = new URL(credentials.token);
  } catch {
    throw new FatalError("The connection's Discord webhook URL is not a URL");
  }
  const match = webhookPath.exec(url.pathname);
  if (!match?.[1] || !match[2]) throw new FatalError("The connection's URL is not a Discord webhook URL (…/api/webhooks/<id>/<token>)");
  return { url, id: match[1], token: match[2] };
}
