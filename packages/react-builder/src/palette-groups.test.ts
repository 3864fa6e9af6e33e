import { describe, expect, it } from 'vitest';
import type { NodeManifestEntry, RegistryManifest } from '@pipewright/core';
import { paletteGroups, triggersCategory } from './palette-groups';

function entry(node: Pick<NodeManifestEntry, 'type' | 'kind' | 'title' | 'category'> & Partial<NodeManifestEntry>): NodeManifestEntry {
  return {
    version: 1,
    description: '',
    configSchema: { type: 'object' },
    inputs: node.kind === 'trigger' ? [] : [{ id: 'in', label: 'Input' }],
    outputs: [{ id: 'out', label: 'Output' }],
    exclusiveOutputs: false,
    sideEffects: false,
    migratable: false,
    ...node,
  };
}

const nodes = [
  entry({ type: 'slack.postMessage', kind: 'action', title: 'Post message', category: 'Chat', description: 'Sends a message to a Slack channel', connectorId: 'slack', sideEffects: true }),
  entry({ type: 'core.if', kind: 'control', title: 'If', category: 'Flow', description: 'Routes items to true or false' }),
  entry({ type: 'core.manual', kind: 'trigger', title: 'Manual', category: 'Triggers', description: 'Started by hand', triggerSource: 'manual' }),
  entry({ type: 'data.transform', kind: 'action', title: 'Transform', category: 'Data', description: 'Reshapes JSON with JMESPath' }),
  entry({ type: 'core.delay', kind: 'control', title: 'Delay', category: 'Flow', description: 'Waits before continuing' }),
  entry({ type: 'http.webhook', kind: 'trigger', title: 'Webhook', category: 'Triggers', description: 'Started by an HTTP request', triggerSource: 'webhook' }),
  entry({ type: 'slack.messageReceived', kind: 'trigger', title: 'Message received', category: 'Chat', description: 'A message was posted in Slack', triggerSource: 'webhook' }),
  entry({ type: 'http.request', kind: 'action', title: 'HTTP request', category: 'API', description: 'Calls any HTTP endpoint', sideEffects: true }),
  entry({ type: 'data.set', kind: 'action', title: 'Set fields', category: 'Data', description: 'Adds or overwrites fields' }),
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// Frozen: sorting or editing the manifest in place would throw.
const manifest: RegistryManifest = deepFreeze({ manifestVersion: 1, nodes, connectors: [] });

/** The palette as `category: type, type` lines, which keeps expectations readable. */
function outline(groups: ReturnType<typeof paletteGroups>): string[] {
  return groups.map((group) => `${group.category}: ${group.nodes.map((node) => node.type).join(', ')}`);
}

describe('paletteGroups', () => {
  it('groups by category, Triggers first, then categories alphabetically and nodes by title', () => {
    expect(outline(paletteGroups(manifest))).toEqual([
      'Triggers: core.manual, http.webhook',
      'API: http.request',
      'Chat: slack.messageReceived, slack.postMessage',
      'Data: data.set, data.transform',
      'Flow: core.delay, core.if',
    ]);
  });

  it('returns the manifest entries themselves and leaves the manifest untouched', () => {
    const snapshot = JSON.stringify(manifest);
    const groups = paletteGroups(manifest);
    expect(groups.flatMap((group) => group.nodes)).toHaveLength(nodes.length);
    expect(groups[0]?.nodes[0]).toBe(nodes[2]);
    expect(JSON.stringify(manifest)).toBe(snapshot);
  });

  it('keys the Triggers section on the category, not the kind', () => {
    const triggers = paletteGroups(manifest, { kinds: ['trigger'] });
    expect(outline(triggers)).toEqual(['Triggers: core.manual, http.webhook', 'Chat: slack.messageReceived']);
  });

  it('sorts alphabetically ignoring case, with numbers in numeric order', () => {
    const mixed: RegistryManifest = {
      manifestVersion: 1,
      connectors: [],
      nodes: [
        entry({ type: 'x.step10', kind: 'action', title: 'Step 10', category: 'zeta' }),
        entry({ type: 'x.step2', kind: 'action', title: 'Step 2', category: 'zeta' }),
        entry({ type: 'x.b', kind: 'action', title: 'B', category: 'Beta' }),
        entry({ type: 'x.a', kind: 'action', title: 'A', category: 'alpha' }),
        entry({ type: 'x.e', kind: 'action', title: 'Éclair', category: 'Desserts' }),
        entry({ type: 'x.f', kind: 'action', title: 'Flan', category: 'Desserts' }),
        entry({ type: 'x.c', kind: 'action', title: 'Cake', category: 'Desserts' }),
      ],
    };
    expect(outline(paletteGroups(mixed))).toEqual(['alpha: x.a', 'Beta: x.b', 'Desserts: x.c, x.e, x.f', 'zeta: x.step2, x.step10']);
  });

  it('orders nodes with the same title by type, so the order never depends on the manifest', () => {
    const twins = [
      entry({ type: 'b.send', kind: 'action', title: 'Send', category: 'Mail' }),
      entry({ type: 'a.send', kind: 'action', title: 'Send', category: 'Mail' }),
    ];
    const forward = paletteGroups({ manifestVersion: 1, connectors: [], nodes: twins });
    const backward = paletteGroups({ manifestVersion: 1, connectors: [], nodes: [...twins].reverse() });
    expect(outline(forward)).toEqual(['Mail: a.send, b.send']);
    expect(outline(backward)).toEqual(outline(forward));
  });

  it('returns no groups for an empty manifest', () => {
    expect(paletteGroups({ manifestVersion: 1, nodes: [], connectors: [] })).toEqual([]);
  });

  describe('search', () => {
    it.each([
      ['title', 'transform', ['Data: data.transform']],
      ['type', 'slack.post', ['Chat: slack.postMessage']],
      ['description', 'jmespath', ['Data: data.transform']],
      ['category', 'flow', ['Flow: core.delay, core.if']],
      ['any case', 'WEBHOOK', ['Triggers: http.webhook']],
    ])('matches the %s', (_field, search, expected) => {
      expect(outline(paletteGroups(manifest, { search }))).toEqual(expected);
    });

    it('requires every term to match, each in any field', () => {
      // "slack" is in the type, "message" in the title: both nodes of the Chat group.
      expect(outline(paletteGroups(manifest, { search: 'slack message' }))).toEqual(['Chat: slack.messageReceived, slack.postMessage']);
      // "channel" is only in postMessage's description.
      expect(outline(paletteGroups(manifest, { search: '  slack\tchannel\n' }))).toEqual(['Chat: slack.postMessage']);
      expect(paletteGroups(manifest, { search: 'slack jmespath' })).toEqual([]);
    });

    it('does not match a term across two fields', () => {
      // The title "Delay" and the type "core.delay" are adjacent only in a joined haystack.
      expect(paletteGroups(manifest, { search: 'delaycore' })).toEqual([]);
    });

    it('treats a blank search as no filter', () => {
      expect(paletteGroups(manifest, { search: ' \t ' })).toEqual(paletteGroups(manifest));
      expect(paletteGroups(manifest, { search: '' })).toEqual(paletteGroups(manifest));
      expect(paletteGroups(manifest, { search: undefined })).toEqual(paletteGroups(manifest));
    });
  });

  describe('kinds', () => {
    it('lists only the given kinds', () => {
      expect(outline(paletteGroups(manifest, { kinds: ['control'] }))).toEqual(['Flow: core.delay, core.if']);
      expect(outline(paletteGroups(manifest, { kinds: ['action', 'control'] }))).toEqual([
        'API: http.request',
        'Chat: slack.postMessage',
        'Data: data.set, data.transform',
        'Flow: core.delay, core.if',
      ]);
    });

    it('lists nothing for an empty list and everything when omitted', () => {
      expect(paletteGroups(manifest, { kinds: [] })).toEqual([]);
      expect(paletteGroups(manifest, { kinds: undefined })).toEqual(paletteGroups(manifest));
    });

    it('combines with search', () => {
      expect(outline(paletteGroups(manifest, { search: 'slack', kinds: ['trigger'] }))).toEqual(['Chat: slack.messageReceived']);
      expect(outline(paletteGroups(manifest, { search: 'http', kinds: ['trigger'] }))).toEqual([`${triggersCategory}: http.webhook`]);
    });
  });
});
