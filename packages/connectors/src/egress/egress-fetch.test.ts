import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressFetch, EgressBlockedError } from './egress-fetch';
import { isPrivateAddress } from './private-address';

let server: Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    hits++;
    if (request.url === '/redirect-to-loopback') {
      response.writeHead(302, { location: `http://127.0.0.1:${port}/secret` }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '[::1]'])(
    '%s is private',
    (address) => expect(isPrivateAddress(address)).toBe(true),
  );
  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'example.com'])('%s is not', (address) => expect(isPrivateAddress(address)).toBe(false));
});

describe('createEgressFetch', () => {
  it('refuses a loopback address, by IP and by a name that resolves to it, and sends nothing', async () => {
    const guarded = createEgressFetch();
    const before = hits;
    await expect(guarded(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(EgressBlockedError);
    await expect(guarded(`http://localhost:${port}/`)).rejects.toThrow(/not allowed/);
    await expect(guarded(`http://[::ffff:127.0.0.1]:${port}/`)).rejects.toBeInstanceOf(EgressBlockedError);
    await expect(guarded('http://169.254.169.254/latest/meta-data/')).rejects.toBeInstanceOf(EgressBlockedError);
    expect(hits).toBe(before);
  });

  it('refuses a redirect to a private address from an allowed host', async () => {
    // localhost is allowed by name; its redirect goes to 127.0.0.1 by IP, which is not.
    const guarded = createEgressFetch({ allowHosts: ['localhost'] });
    await expect(guarded(`http://localhost:${port}/redirect-to-loopback`)).rejects.toBeInstanceOf(EgressBlockedError);
  });

  it('lets allowed hosts and, when the host says so, private networks through', async () => {
    const byName = createEgressFetch({ allowHosts: ['localhost'] });
    expect(await (await byName(`http://localhost:${port}/named`)).json()).toEqual({ path: '/named' });
    const byAddress = createEgressFetch({ allowHosts: ['127.0.0.1'] });
    expect(await (await byAddress(`http://127.0.0.1:${port}/ip`)).json()).toEqual({ path: '/ip' });
    const open = createEgressFetch({ allowPrivateNetworks: true });
    expect((await open(`http://127.0.0.1:${port}/redirect-to-loopback`)).status).toBe(200);
  });
});
