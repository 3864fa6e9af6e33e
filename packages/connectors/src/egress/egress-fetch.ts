import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { z } from 'zod';
import { isPrivateAddress } from './private-address';

export const egressOptionsSchema = z.object({
  /** Let workflows reach private, loopback and link-local addresses (a trusted single-tenant install, local development). */
  allowPrivateNetworks: z.boolean().default(false),
  /** Host names or IP addresses reachable even though they are private, e.g. an internal API the host offers its tenants. */
  allowHosts: z.array(z.string().min(1)).default([]),
});

export type EgressOptions = z.input<typeof egressOptionsSchema>;

/** A request to an address the egress policy does not allow. */
export class EgressBlockedError extends Error {
  readonly code = 'egress_blocked';
  constructor(readonly host: string) {
    super(`Requests to ${host} are not allowed: it is a private, loopback or link-local address`);
    this.name = 'EgressBlockedError';
  }
}

/**
 * A `fetch` for the engine (`createEngine({ fetch: createEgressFetch() })`) that refuses
 * to connect to private networks: the host's own services, its cloud's metadata endpoint
 * (169.254.169.254), the machine itself. The check runs where the socket is opened, on
 * the very addresses it connects to, so a name that resolves to a private address, a
 * DNS answer that changes between check and use, and a redirect to a private address
 * are all refused too.
 *
 * @example
 * ```ts
 * const engine = createEngine({ registry, fetch: createEgressFetch({ allowHosts: ['billing.internal'] }) });
 * ```
 */
export function createEgressFetch(options: EgressOptions = {}): typeof fetch {
  const policy = egressOptionsSchema.parse(options);
  const allowed = new Set(policy.allowHosts.map((host) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1')));
  const blocks = (host: string, address: string): boolean => !policy.allowPrivateNetworks && !allowed.has(host) && !allowed.has(address) && isPrivateAddress(address);

  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => blocks(hostname.toLowerCase(), entry.address));
      if (refused) return callback(new EgressBlockedError(hostname), '', 0);
      if (lookupOptions.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
  const connect = buildConnector({ lookup: guardedLookup });
  const agent = new Agent({
    connect: (connectOptions, callback) => {
      // An IP literal is connected to without a lookup: check it here.
      const host = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0 && blocks(host.toLowerCase(), host)) {
        callback(new EgressBlockedError(host), null);
        return;
      }
      connect(connectOptions, callback);
    },
  });

  return async (input, init) => {
    // Node's fetch takes an undici dispatcher; the type of RequestInit does not name it.
    const guarded: RequestInit & { dispatcher: Agent } = { ...init, dispatcher: agent };
    try {
      return await fetch(input, guarded);
    } catch (error) {
      // fetch wraps connection errors in "fetch failed"; the policy's refusal is the cause worth showing.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof EgressBlockedError) throw cause;
      throw error;
    }
  };
}
