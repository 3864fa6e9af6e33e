import { decodeProtectedHeader, importSPKI, jwtVerify, type JWTVerifyOptions } from 'jose';
import { bearerToken } from './bearer-token';
import { utf8SecretKey } from './hmac-sha256';
import { webhookKeys } from './key-cache';
import { rejected, type WebhookVerdict } from './webhook-verdict';

type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface JwtOptions {
  algorithms: readonly JwtAlgorithm[];
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** Sender and receiver clocks drift; a token is still taken this many seconds past `exp` or before `nbf`. */
const clockToleranceSeconds = 30;

function isAlgorithm(value: unknown, allowed: readonly JwtAlgorithm[]): value is JwtAlgorithm {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function isPublicKeyPem(secret: string): boolean {
  return secret.trimStart().startsWith('-----BEGIN PUBLIC KEY-----');
}

/**
 * The key a secret gives for `algorithm`, or undefined when it gives none. A PEM public
 * key is never used as an HMAC secret: that is the algorithm-confusion attack, where a
 * token signed HS256 with the (public) key text would verify.
 */
function keyFor(secret: string, algorithm: JwtAlgorithm): Promise<CryptoKey | undefined> {
  if (algorithm === 'HS256') return isPublicKeyPem(secret) ? Promise.resolve(undefined) : utf8SecretKey(secret);
  if (!isPublicKeyPem(secret)) return Promise.resolve(undefined);
  // An RSA key asked for as ES256 (or a broken PEM) fails to import: it verifies nothing.
  return webhookKeys.get(`spki:${algorithm}:${secret}`, () => importSPKI(secret.trim(), algorithm).catch(() => undefined));
}

/**
 * `Authorization: Bearer <jwt>`, verified with jose against each secret in turn; only
 * the configured algorithms are tried, so `alg: none` and unexpected algorithms fail.
 * JWTs carry no delivery id the caller could dedupe on safely (a long-lived token
 * repeats its `jti`), so only the claims are returned.
 */
export async function verifyJwt(options: JwtOptions, request: { headers: Headers }, secrets: readonly string[], now: number): Promise<WebhookVerdict> {
  const token = bearerToken(request.headers);
  if (token === undefined) return rejected('missing_headers');
  let algorithm: unknown;
  try {
    algorithm = decodeProtectedHeader(token).alg;
  } catch {
    return rejected('bad_token');
  }
  if (!isAlgorithm(algorithm, options.algorithms)) return rejected('bad_token');
  const verifyOptions: JWTVerifyOptions = { algorithms: [algorithm], currentDate: new Date(now), clockTolerance: clockToleranceSeconds };
  if (options.issuer !== undefined) verifyOptions.issuer = options.issuer;
  if (options.audience !== undefined) verifyOptions.audience = options.audience;
  for (const secret of secrets) {
    const key = await keyFor(secret, algorithm);
    if (key === undefined) continue;
    try {
      const { payload } = await jwtVerify(token, key, verifyOptions);
      return { ok: true, claims: { ...payload } };
    } catch {
      // A bad signature, an expired token or a wrong issuer: the next secret may still verify it.
    }
  }
  return rejected('bad_token');
}
