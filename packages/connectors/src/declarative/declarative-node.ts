import { defineNode, evaluateJmespath, type ActionNodeDefinition, type NodeContext } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest, type HttpRequest } from '../sdk/http-request';
import { configFieldsSchema } from './config-fields';
import type { DeclarativeAction, DeclarativeConnector } from './declarative-connector-schema';
import { toFormFields } from './form-encoding';
import { paginate } from './paginate';
import { resolveHeaders, resolvePath, resolveQuery, resolveRequestTemplate, type TemplateValues } from './request-templates';

/** `baseUrl` + `path`, whether or not the base URL ends with a slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * The node's config schema: the action's own fields (its JSON Schema), plus the
 * connection when the connector has auth, the base URL (the API's by default; tests and
 * self-hosted instances override it) and, for listings, how many pages to read.
 */
function configSchemaOf(connector: DeclarativeConnector, action: DeclarativeAction): z.ZodObject {
  const fields = configFieldsSchema(action.config);
  const added: Record<string, z.ZodType> = { baseUrl: z.url().default(connector.baseUrl) };
  if (connector.auth.type !== 'none') added['connection'] = z.string().min(1);
  if (action.pagination) added['maxPages'] = z.number().int().min(1).max(1000).default(action.pagination.maxPages);
  return fields.extend(added);
}

function stringField(config: Record<string, unknown>, name: string): string {
  const value = config[name];
  if (typeof value !== 'string') throw new TypeError(`config.${name} is not a string`);
  return value;
}

async function runAction(connector: DeclarativeConnector, action: DeclarativeAction, ctx: NodeContext<Record<string, unknown>>): Promise<unknown> {
  const values: TemplateValues = { config: ctx.config, input: ctx.input };
  const url = joinUrl(stringField(ctx.config, 'baseUrl'), resolvePath(action.path, values));
  const request: HttpRequest = {
    method: action.method,
    url,
    headers: { ...connector.headers, ...resolveHeaders(action.headers, values) },
    idempotencyHeader: action.idempotency,
  };
  const body = action.body === undefined ? undefined : resolveRequestTemplate(action.body, values, ['body']);
  if (body !== undefined) {
    if (action.bodyType === 'form') request.form = toFormFields(body);
    else request.json = body;
  }
  const query = resolveQuery(action.query, values);
  if (!action.pagination) {
    const response = await httpRequest(ctx, { ...request, query });
    return action.response?.map === undefined ? response.body : evaluateJmespath(action.response.map, response.body);
  }
  const maxPages = ctx.config['maxPages'];
  const output = await paginate({
    pagination: action.pagination,
    maxPages: typeof maxPages === 'number' ? maxPages : action.pagination.maxPages,
    itemsPath: action.response?.items,
    url,
    query,
    send: (pageUrl, pageQuery) => httpRequest(ctx, { ...request, url: pageUrl, query: pageQuery }),
  });
  return action.response?.map === undefined ? output : evaluateJmespath(action.response.map, output);
}

/** One action of a declarative connector as a node: `<connector id>.<action key>`. */
export function declarativeNode(connector: DeclarativeConnector, action: DeclarativeAction): ActionNodeDefinition {
  return defineNode({
    type: `${connector.id}.${action.key}`,
    version: 1,
    title: action.title,
    description: action.description,
    category: connector.name,
    ...(connector.icon === undefined ? {} : { icon: connector.icon }),
    configSchema: configSchemaOf(connector, action),
    sideEffects: action.sideEffects,
    ...(action.sampleOutput === undefined ? {} : { sampleOutput: action.sampleOutput }),
    run: (ctx) => runAction(connector, action, ctx),
  });
}
