import { defineConnector, formatJsonPath, PipewrightError, type ConnectorDefinition } from '@pipewright/core';
import { httpRequest } from '../sdk/http-request';
import { declarativeNode, joinUrl } from './declarative-node';
import { parseDeclarativeConnector } from './parse-declarative-connector';

/**
 * Turns a declarative connector document (parsed JSON) into a connector the registry
 * takes: one node per action, and a connection test from `test`. The document is
 * validated first, so a connector that would fail at run time fails here.
 *
 * @example
 * ```ts
 * const connector = declarativeToConnector(JSON.parse(text));
 * const registry = createRegistry([...coreNodes, connector]);
 * ```
 * @throws PipewrightError `invalid_input` with `details.issues` when the document is invalid.
 */
export function declarativeToConnector(document: unknown): ConnectorDefinition {
  const parsed = parseDeclarativeConnector(document);
  if (!parsed.ok) {
    const summary = parsed.issues.map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`).join('; ');
    throw new PipewrightError('invalid_input', `Invalid declarative connector: ${summary}`, { details: { issues: parsed.issues } });
  }
  const spec = parsed.connector;
  const test = spec.test;
  return defineConnector({
    id: spec.id,
    name: spec.name,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.icon === undefined ? {} : { icon: spec.icon }),
    auth: spec.auth,
    nodes: spec.actions.map((action) => declarativeNode(spec, action)),
    triggers: [],
    ...(test === undefined
      ? {}
      : {
          testConnection: async ({ connection, signal }) => {
            await httpRequest(
              { connection, signal, idempotencyKey: 'test-connection' },
              { method: test.method, url: joinUrl(spec.baseUrl, test.path), headers: { ...spec.headers }, idempotencyHeader: false },
            );
          },
        }),
  });
}
