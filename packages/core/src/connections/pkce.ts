/** A PKCE verifier and the challenge derived from it (RFC 7636). */
export interface PkcePair {
  /** Kept by the client until the token exchange; never sent to the authorization endpoint. */
  verifier: string;
  challenge: string;
  method: 'S256';
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 32 bytes: 256 bits of entropy, the amount RFC 7636 §7.1 recommends. */
function randomUrlSafe(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The S256 challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2.
 * Internal; exported so tests can check it against the RFC's own example.
 *
 * @internal
 */
export async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/**
 * A fresh PKCE pair for one authorization request. The verifier is 43 characters of
 * base64url (within the 43-128 unreserved characters RFC 7636 §4.1 allows).
 *
 * @example
 * ```ts
 * const pkce = await createPkcePair();
 * const url = buildAuthorizeUrl(spec, client, { redirectUri, state: randomState(), codeChallenge: pkce.challenge });
 * // ...later, with the code the redirect brought back:
 * await exchangeAuthorizationCode(spec, client, { code, redirectUri, codeVerifier: pkce.verifier }, { now: Date.now() });
 * ```
 */
export async function createPkcePair(): Promise<PkcePair> {
  const verifier = randomUrlSafe();
  return { verifier, challenge: await challengeFor(verifier), method: 'S256' };
}

/**
 * An unguessable, URL-safe value for the `state` parameter, which ties the redirect
 * back to the request that started it (CSRF protection, RFC 6749 §10.12).
 *
 * @example
 * ```ts
 * const state = randomState();
 * ```
 */
export function randomState(): string {
  return randomUrlSafe();
}
