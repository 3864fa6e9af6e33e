export const stripeDefaultBaseUrl = 'https://api.stripe.com';

/** `baseUrl` + `path`, whether or not the base URL ends with a slash. */
export function stripeUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * Stripe's form encoding of a flat object with one level of nested hashes:
 * `{ metadata: { order: '7' } }` becomes `metadata[order]=7`. Undefined values are left out.
 * https://docs.stripe.com/api/metadata
 */
export function stripeForm(fields: Readonly<Record<string, string | Readonly<Record<string, string>> | undefined>>): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string') form[name] = value;
    else for (const [key, nested] of Object.entries(value)) form[`${name}[${key}]`] = nested;
  }
  return form;
}
