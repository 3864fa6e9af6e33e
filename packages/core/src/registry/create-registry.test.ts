import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { coreNodes } from '../nodes/core-nodes';
import { defineConnector } from './connector-definition';
import { createRegistry } from './create-registry';
import { defineNode, defineTrigger } from './node-definition';

const postMessage = defineNode({
  type: 'chat.postMessage',
  version: 1,
  title: 'Post message',
  description: 'Posts a message',
  category: 'Chat',
  icon: 'chat',
  configSchema: z.object({ channel: z.string().min(1), text: z.string(), unfurl: z.boolean().default(true) }),
  sideEffects: true,
  sampleOutput: { ok: true, ts: '1700000000.000100', missing: undefined },
  run: ({ config }) => ({ ok: true, channel: config.channel }),
});

const messageReceived = defineTrigger({
  type: 'chat.messageReceived',
  version: 1,
  title: 'Message received',
  description: 'A message was posted',
  category: 'Chat',
  source: 'webhook',
  configSchema: z.object({ channel: z.string().optional() }),
  sideEffects: false,
});

const chat = defineConnector({
  id: 'chat',
  name: 'Chat',
  auth: { type: 'oauth2', grant: 'authorizationCode', authorizeUrl: 'https://chat.example/oauth', tokenUrl: 'https://chat.example/token' },
  nodes: [postMessage],
  triggers: [messageReceived],
});

function thrown(fn: () => unknown): PipewrightError {
  try {
    fn();
  } catch (error) {
    if (PipewrightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a PipewrightError');
}

describe('createRegistry', () => {
  it('registers node types from nodes and connectors', () => {
    const registry = createRegistry([...coreNodes, chat]);
    expect(registry.get('chat.postMessage')?.connector?.id).toBe('chat');
    expect(registry.get('core.if')?.connector).toBeUndefined();
    expect(registry.has('chat.messageReceived')).toBe(true);
    expect(registry.has('chat.nope')).toBe(false);
    expect(registry.list().map((entry) => entry.definition.type)).toContain('core.waitForEvent');
    expect(registry.connectors().map((connector) => connector.id)).toEqual(['chat']);
  });

  it('rejects a node type registered twice, also across connectors', () => {
    expect(thrown(() => createRegistry([postMessage, chat]))).toMatchObject({ code: 'duplicate_node_type', details: { type: 'chat.postMessage' } });
    expect(thrown(() => createRegistry([...coreNodes, ...coreNodes])).code).toBe('duplicate_node_type');
  });

  it('rejects a connector registered twice', () => {
    expect(thrown(() => createRegistry([chat, { ...chat, nodes: [], triggers: [] }])).code).toBe('duplicate_connector');
  });

  it('rejects node types outside their connector prefix', () => {
    const stray = defineConnector({ id: 'other', name: 'Other', auth: { type: 'none' }, nodes: [postMessage], triggers: [] });
    expect(thrown(() => createRegistry([stray]))).toMatchObject({ code: 'invalid_node_definition', details: { connector: 'other' } });
  });

  it('rejects malformed definitions with every issue listed', () => {
    const broken = { ...postMessage, type: 'NoDot', version: 0, outputs: [{ id: 'a' }, { id: 'a' }] };
    const error = thrown(() => createRegistry([broken]));
    expect(error.code).toBe('invalid_node_definition');
    const paths = (error.details['issues'] as Array<{ path: unknown[] }>).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining([['type'], ['version'], ['outputs']]));
  });

  it('reserves the error output for onError routing', () => {
    const error = thrown(() => createRegistry([{ ...postMessage, outputs: [{ id: 'error' }] }]));
    expect(error.code).toBe('invalid_node_definition');
  });
});

describe('registry.manifest()', () => {
  const registry = createRegistry([...coreNodes, chat]);

  it('round-trips through JSON.stringify/JSON.parse unchanged', () => {
    const manifest = registry.manifest();
    expect(JSON.parse(JSON.stringify(manifest))).toStrictEqual(manifest);
  });

  it('describes each type: titles, categories, versions, handles and config JSON Schema', () => {
    const manifest = registry.manifest();
    const post = manifest.nodes.find((node) => node.type === 'chat.postMessage');
    expect(post).toMatchObject({
      version: 1,
      kind: 'action',
      title: 'Post message',
      category: 'Chat',
      icon: 'chat',
      connectorId: 'chat',
      inputs: [{ id: 'in', label: 'Input' }],
      outputs: [{ id: 'out', label: 'Output' }],
      sideEffects: true,
      sampleOutput: { ok: true, ts: '1700000000.000100' },
    });
    expect(post?.configSchema).toMatchObject({
      type: 'object',
      properties: { channel: { type: 'string', minLength: 1 }, unfurl: { type: 'boolean', default: true } },
      required: ['channel', 'text'],
    });
    const trigger = manifest.nodes.find((node) => node.type === 'chat.messageReceived');
    expect(trigger).toMatchObject({ kind: 'trigger', triggerSource: 'webhook', inputs: [] });
    const switchEntry = manifest.nodes.find((node) => node.type === 'core.switch');
    expect(switchEntry?.dynamicOutputs).toEqual({ configArray: 'cases', idField: 'handle', labelField: 'label' });
    expect(manifest.connectors).toEqual([
      {
        id: 'chat',
        name: 'Chat',
        auth: { type: 'oauth2', grant: 'authorizationCode', authorizeUrl: 'https://chat.example/oauth', tokenUrl: 'https://chat.example/token' },
        nodeTypes: ['chat.postMessage', 'chat.messageReceived'],
      },
    ]);
  });

  it('lists every core control-flow node type', () => {
    const types = registry.manifest().nodes.map((node) => node.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'core.manual',
        'core.if',
        'core.switch',
        'core.merge',
        'core.forEach',
        'core.delay',
        'core.waitForEvent',
        'core.subWorkflow',
        'core.terminate',
        'core.setVariables',
      ]),
    );
  });
});
