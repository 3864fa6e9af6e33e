/**
 * The credentials of `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme name is
 * case-insensitive, RFC 9110 §11.1). Undefined when the header is absent or holds
 * another scheme: either way the credential the trigger needs was not sent.
 */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get('authorization');
  if (value === null) return undefined;
  return /^Bearer +(\S+)$/i.exec(value)?.[1];
}
