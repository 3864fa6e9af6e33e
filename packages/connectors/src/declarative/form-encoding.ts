/**
 * Flattens a resolved body into form fields with the bracket convention that Stripe,
 * Rails and PHP read: `{ metadata: { order: 7 } }` → `metadata[order]=7`,
 * `{ tags: ['a'] }` → `tags[0]=a`. Nulls are left out.
 */
export function toFormFields(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  const visit = (value: unknown, name: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${name}[${index}]`));
    else if (typeof value === 'object') for (const [key, item] of Object.entries(value)) visit(item, name === '' ? key : `${name}[${key}]`);
    else fields[name] = String(value);
  };
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) visit(body, '');
  return fields;
}
