import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asTenantId } from '../ids';
import { createMemoryRunStore } from '../ports/memory-run-store';
import { defineConnector, type ConnectorDefinition } from '../registry/connector-definition';
import { defineNode, type ActionNodeDefinition } from '../registry/node-definition';
import { createFakeClock } from '../testing/fake-clock';
import { FlowControl, type FlowControlOptions } from './flow-control';

function node(type: string, flowKey?: (config: { url: string }) => string): ActionNodeDefinition {
  return defineNode({
    type,
    version: 1,
    title: type,
    description: type,
    category: 'Test',
    configSchema: z.object({ url: z.string() }),
    sideEffects: true,
    run: () => null,
    ...(flowKey ? { flowKey } : {}),
  }) as ActionNodeDefinition;
}

function connector(id: string, extra: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return defineConnector({ id, name: id, auth: { type: 'none' }, nodes: [], triggers: [], ...extra });
}

const flowControl = (options: FlowControlOptions = {}) => new FlowControl(createMemoryRunStore(), createFakeClock(), async () => undefined, options);

describe('which steps flow control applies to', () => {
  it('skips pure helpers of a connector without auth or declarations', () => {
    const flow = flowControl();
    expect(flow.appliesTo(node('data.transform'), connector('data'))).toBe(false);
    expect(flow.appliesTo(node('core.thing'), undefined)).toBe(false);
  });

  it('applies to connectors with auth, a declared breaker or limit, or a host override', () => {
    const flow = flowControl({ breakers: { hosted: { openMs: 5 } } });
    expect(flow.appliesTo(node('slack.post'), connector('slack', { auth: { type: 'bearer' } }))).toBe(true);
    expect(flow.appliesTo(node('limited.call'), connector('limited', { rateLimit: { requests: 1, perMs: 1_000 } }))).toBe(true);
    expect(flow.appliesTo(node('hosted.call'), connector('hosted'))).toBe(true);
  });

  it('keys a connector step by its connection, and a node with flowKey by what it returns', () => {
    const flow = flowControl();
    const slack = connector('slack', { auth: { type: 'bearer' }, rateLimit: { requests: 1, perMs: 1_000 } });
    expect(flow.targetOf(node('slack.post'), slack, { connection: 'conn_1' })).toMatchObject({ key: 'slack:conn_1', rateLimit: { requests: 1, perMs: 1_000, burst: 1 } });
    expect(flow.targetOf(node('slack.post'), slack, {})?.key).toBe('slack:-');
    const http = node('http.request', (config) => `http:${new URL(config.url).host}`);
    expect(flow.targetOf(http, undefined, { url: 'https://api.example.com/x' })).toMatchObject({ key: 'http:api.example.com', rateLimit: undefined });
  });

  it('merges a host override over what the connector declares, field by field', () => {
    const flow = flowControl({ breakers: { shop: { openMs: 1_234 } } });
    const shop = connector('shop', { breaker: { failureThreshold: 9 } });
    expect(flow.targetOf(node('shop.call'), shop, {})?.breaker).toMatchObject({ failureThreshold: 9, openMs: 1_234, windowMs: 60_000 });
  });
});

describe('stored flow state', () => {
  it('reads an unreadable limiter state as an idle limiter rather than blocking the connection', async () => {
    const store = createMemoryRunStore();
    const clock = createFakeClock();
    const flow = new FlowControl(store, clock, async () => undefined);
    const tenantId = asTenantId('acme');
    await store.putFlowState(tenantId, 'rate:limited:-', 'not a limiter', 0, clock.now());
    const target = flow.targetOf(node('limited.call'), connector('limited', { rateLimit: { requests: 1, perMs: 1_000 }, breaker: false }), {});
    if (!target) throw new Error('Expected a flow target');
    const caller = { runId: 'run_1', nodeId: 'call', attempt: 1 };
    expect(await flow.admit(tenantId, target, caller, false)).toEqual({ go: true });
    expect(await flow.admit(tenantId, target, { ...caller, runId: 'run_2' }, false)).toEqual({ go: false, reason: 'rate_limited', until: clock.now() + 1_000, reserved: true });
  });
});
