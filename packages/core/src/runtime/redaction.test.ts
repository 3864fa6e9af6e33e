import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import type { WorkflowInput } from '../model/workflow-schema';
import { coreNodes } from '../nodes/core-nodes';
import { createRegistry } from '../registry/create-registry';
import { defineNode } from '../registry/node-definition';
import { createTestEngine } from '../testing/test-engine';

/** A step that reports a customer: in its output, its log and, when asked, its error. */
const lookup = defineNode({
  type: 'crm.lookup',
  version: 1,
  title: 'Look up',
  description: 'Finds a customer',
  category: 'Test',
  configSchema: z.object({ fail: z.boolean().default(false) }),
  sideEffects: false,
  run: ({ config, logger }) => {
    logger.info('found ada@example.com', { card: '4111 1111 1111 1111' });
    if (config.fail) throw new PipewrightError('fatal', 'customer ada@example.com paid with 4111-1111-1111-1111');
    return { email: 'ada@example.com', card: '4111111111111111', orderId: '1234567812345678', note: 'nothing personal' };
  },
});

function workflow(pii: Array<'email' | 'cardNumber'> | undefined, fail = false): WorkflowInput {
  const base: WorkflowInput = {
    id: 'pii',
    name: 'PII',
    nodes: [
      { id: 'start', type: 'core.manual', config: {} },
      { id: 'lookup', type: 'crm.lookup', config: { fail } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'lookup' }],
  };
  return pii === undefined ? base : { ...base, settings: { redact: { pii } } };
}

describe('personal data redaction', () => {
  it('removes emails and card numbers from step outputs and logs when the workflow asks, and keeps the rest', async () => {
    const engine = createTestEngine({ registry: createRegistry([...coreNodes, lookup]) });
    const run = await engine.run(workflow(['email', 'cardNumber']), { customer: 'ada@example.com' });
    expect(run.status).toBe('succeeded');
    const step = run.steps.find((entry) => entry.nodeId === 'lookup');
    expect(step?.output).toEqual({ email: '[REDACTED:email]', card: '[REDACTED:cardNumber]', orderId: '1234567812345678', note: 'nothing personal' });
    expect(run.logs).toContainEqual(expect.objectContaining({ nodeId: 'lookup', msg: 'found [REDACTED:email]' }));
    // The run input is kept as given, so steps can use it.
    expect(run.input).toEqual({ customer: 'ada@example.com' });
    const events = await engine.store.readEvents(engine.ctx.tenantId as never, run.id as never);
    const lookupEvents = JSON.stringify(events.filter((entry) => 'nodeId' in entry.event && entry.event.nodeId === 'lookup'));
    expect(lookupEvents).toContain('[REDACTED:email]');
    expect(lookupEvents).not.toContain('ada@example.com');
    expect(JSON.stringify(events)).not.toContain('4111');
  });

  it('removes them from a failed step’s error', async () => {
    const engine = createTestEngine({ registry: createRegistry([...coreNodes, lookup]) });
    const run = await engine.run(workflow(['email', 'cardNumber'], true));
    expect(run.status).toBe('failed');
    expect(run.steps.find((entry) => entry.nodeId === 'lookup')?.error).toMatchObject({ code: 'fatal', message: 'customer [REDACTED:email] paid with [REDACTED:cardNumber]' });
  });

  it('leaves personal data alone when the workflow does not ask', async () => {
    const engine = createTestEngine({ registry: createRegistry([...coreNodes, lookup]) });
    const run = await engine.run(workflow(undefined));
    expect(run.steps.find((entry) => entry.nodeId === 'lookup')?.output).toMatchObject({ email: 'ada@example.com', card: '4111111111111111' });
  });
});
