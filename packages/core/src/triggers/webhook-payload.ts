/** What a webhook run gets as its trigger output. */
export interface WebhookInput {
  method: string;
  /** Parsed JSON, form fields, or the text for other content types. */
  body: unknown;
  /** Lower-case names; credentials and signatures left out. */
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** Headers that carry credentials or signatures: runs do not need them and logs must not get them. */
const withheldHeaders = new Set(['authorization', 'cookie', 'proxy-authorization', 'webhook-signature', 'x-hub-signature', 'x-hub-signature-256', 'stripe-signature', 'x-slack-signature']);

export class UnreadableBody extends Error {}

export function parseWebhookBody(contentType: string | null, body: Uint8Array): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = new TextDecoder().decode(body);
  if (type === 'application/json' || type.endsWith('+json')) {
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UnreadableBody('The body is not valid JSON');
    }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  return text;
}

export function webhookInput(request: Request, url: URL, body: unknown, extraWithheld: string | undefined): WebhookInput {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!withheldHeaders.has(name) && name !== extraWithheld) headers[name] = value;
  });
  return { method: request.method, body, headers, query: Object.fromEntries(url.searchParams) };
}
