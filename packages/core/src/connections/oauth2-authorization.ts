import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId } from '../ids';
import { buildAuthorizeUrl, exchangeAuthorizationCode, type OAuth2Client, type OAuth2Spec, type OAuth2Tokens } from './oauth2-client';
import type { ConnectionsCore } from './connections-core';
import { createPkcePair, randomState } from './pkce';
import { requireVault } from './sealed-credentials';

/** How long a user has to come back from the provider's consent page. */
export const authorizationTtlMs = 10 * 60_000;

const pendingSchema = z.object({
  connectorId: z.string(),
  name: z.string(),
  redirectUri: z.string(),
  clientId: z.string(),
  /** Sealed: the PKCE verifier and the client secret. */
  sealed: z.string(),
  expiresAt: z.number(),
  connectionId: z.string().optional(),
});

const pendingSecretsSchema = z.object({ verifier: z.string().optional(), clientSecret: z.string().optional() });

export type PendingAuthorization = z.infer<typeof pendingSchema>;

function pendingKey(state: string): string {
  return `oauth2-authorize:${state}`;
}

function pendingAssociatedData(tenantId: TenantId, state: string): string {
  return `pipewright:oauth2-authorize:${tenantId}:${state}`;
}

/** Starts the authorization-code grant: the URL to send the user to, and the state that ties the callback to this tenant. */
export async function beginAuthorization(
  core: ConnectionsCore,
  tenantId: TenantId,
  spec: OAuth2Spec,
  request: { connectorId: string; name: string; redirectUri: string; client: OAuth2Client; scopes?: readonly string[]; connectionId?: string },
): Promise<{ url: string; state: string; expiresAt: number }> {
  const vault = requireVault(core);
  const state = randomState();
  const pkce = spec.pkce ? await createPkcePair() : undefined;
  const secrets: z.infer<typeof pendingSecretsSchema> = {};
  if (pkce) secrets.verifier = pkce.verifier;
  if (request.client.clientSecret !== undefined) secrets.clientSecret = request.client.clientSecret;
  const sealed = await vault.seal(JSON.stringify(secrets), pendingAssociatedData(tenantId, state));
  const now = core.clock.now();
  const pending: PendingAuthorization = {
    connectorId: request.connectorId,
    name: request.name,
    redirectUri: request.redirectUri,
    clientId: request.client.clientId,
    sealed: sealed.sealed,
    expiresAt: now + authorizationTtlMs,
  };
  if (request.connectionId !== undefined) pending.connectionId = request.connectionId;
  await core.store.putFlowState(tenantId, pendingKey(state), pending, 0, now);
  const urlRequest: Parameters<typeof buildAuthorizeUrl>[2] = { redirectUri: request.redirectUri, state };
  if (pkce) urlRequest.codeChallenge = pkce.challenge;
  if (request.scopes !== undefined) urlRequest.scopes = request.scopes;
  return { url: buildAuthorizeUrl(spec, request.client, urlRequest), state, expiresAt: pending.expiresAt };
}

/**
 * Ends the grant: takes the pending authorization (once: a replayed callback finds
 * nothing) and exchanges the code, with the PKCE verifier, for tokens.
 */
export async function completeAuthorization(
  core: ConnectionsCore,
  tenantId: TenantId,
  specFor: (connectorId: string) => OAuth2Spec,
  callback: { state: string; code: string },
): Promise<{ pending: PendingAuthorization; client: OAuth2Client; tokens: OAuth2Tokens }> {
  const vault = requireVault(core);
  const key = pendingKey(callback.state);
  const stored = await core.store.getFlowState(tenantId, key);
  const parsed = pendingSchema.safeParse(stored?.value);
  if (!stored || !parsed.success || !(await core.store.deleteFlowState(tenantId, key, stored.version))) {
    throw new PipewrightError('invalid_token', 'Unknown or already used authorization state');
  }
  const pending = parsed.data;
  if (pending.expiresAt <= core.clock.now()) throw new PipewrightError('invalid_token', 'The authorization expired: start it again');
  const secrets = pendingSecretsSchema.parse(JSON.parse(await vault.open(pending.sealed, pendingAssociatedData(tenantId, callback.state))));
  const client: OAuth2Client = secrets.clientSecret === undefined ? { clientId: pending.clientId } : { clientId: pending.clientId, clientSecret: secrets.clientSecret };
  const exchange: Parameters<typeof exchangeAuthorizationCode>[2] = { code: callback.code, redirectUri: pending.redirectUri };
  if (secrets.verifier !== undefined) exchange.codeVerifier = secrets.verifier;
  const tokens = await exchangeAuthorizationCode(specFor(pending.connectorId), client, exchange, { fetch: core.fetch, now: core.clock.now() });
  return { pending, client, tokens };
}
