import { describe, expect, it } from 'vitest';
import { nodeContext, recordingLogger } from './test-context';
import { utilLogConfigSchema, utilLogNode } from './util-log';

describe('util.log', () => {
  it('logs the message at info by default, with the input as data, and passes the input on', () => {
    const { logger, entries } = recordingLogger();
    const input = { id: 7 };
    const output = utilLogNode.run(nodeContext(utilLogConfigSchema.parse({ message: 'Order received' }), input, { logger }));
    expect(output).toBe(input);
    expect(entries).toEqual([{ level: 'info', message: 'Order received', data: { input: { id: 7 } } }]);
  });

  it.each(['debug', 'info', 'warn', 'error'] as const)('logs at level %s', (level) => {
    const { logger, entries } = recordingLogger();
    utilLogNode.run(nodeContext(utilLogConfigSchema.parse({ level, message: 'm' }), null, { logger }));
    expect(entries.map((entry) => entry.level)).toEqual([level]);
  });

  it('does not mutate the input', () => {
    const input = { nested: { n: 1 } };
    utilLogNode.run(nodeContext(utilLogConfigSchema.parse({ message: 'm' }), input));
    expect(input).toEqual({ nested: { n: 1 } });
  });

  it('rejects an unknown level and a missing message with their paths', () => {
    const parsed = utilLogConfigSchema.safeParse({ level: 'trace' });
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([['level'], ['message']]);
  });
});
