import { collectScopeReferences, compileJmespath, hasTemplate, parseTemplate, type JsonPath } from '@pipewright/core';
import { configFieldsSchema } from './config-fields';
import { declarativeConnectorSchema, type DeclarativeAction, type DeclarativeConnector } from './declarative-connector-schema';

/** One problem in a connector document, at its JSON path (`['actions', 0, 'path']`). */
export interface DeclarativeIssue {
  path: JsonPath;
  message: string;
}

export type ParseDeclarativeResult = { ok: true; connector: DeclarativeConnector } | { ok: false; issues: DeclarativeIssue[] };

/** What request templates may read: the node's config and the upstream step's output. */
export const templateRoots = ['config', 'input'] as const;

/** Config fields the interpreter adds itself, so an action cannot declare them. */
const reservedFields = ['connection', 'baseUrl'];

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkTemplateString(source: string, path: JsonPath, issues: DeclarativeIssue[]): void {
  if (!hasTemplate(source)) return;
  let parts;
  try {
    parts = parseTemplate(source).parts;
  } catch (error) {
    issues.push({ path, message: errorMessage(error) });
    return;
  }
  for (const part of parts) {
    if (part.kind !== 'expression') continue;
    for (const reference of collectScopeReferences(part.ast)) {
      if (!(templateRoots as readonly string[]).includes(reference.root)) {
        issues.push({ path, message: `"{{ ${part.source} }}" reads "${reference.root}"; templates can read only ${templateRoots.join(' and ')}` });
      }
    }
  }
}

/** Walks a request template (any JSON value) and checks every string in it. */
function checkTemplateValue(value: unknown, path: JsonPath, issues: DeclarativeIssue[]): void {
  if (typeof value === 'string') checkTemplateString(value, path, issues);
  else if (Array.isArray(value)) value.forEach((item, index) => checkTemplateValue(item, [...path, index], issues));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) checkTemplateValue(item, [...path, key], issues);
}

function checkJmespath(expression: string | undefined, path: JsonPath, issues: DeclarativeIssue[]): void {
  if (expression === undefined) return;
  try {
    compileJmespath(expression);
  } catch (error) {
    issues.push({ path, message: errorMessage(error) });
  }
}

/**
 * A URL path may only hold `{{ config.<field> }}`: the value is URL-encoded into one
 * segment, and a field that is not declared would always be empty, which sends the
 * request to another resource than the author meant.
 */
function checkPath(action: DeclarativeAction, path: JsonPath, issues: DeclarativeIssue[]): void {
  if (!hasTemplate(action.path)) return;
  let parts;
  try {
    parts = parseTemplate(action.path).parts;
  } catch (error) {
    issues.push({ path, message: errorMessage(error) });
    return;
  }
  const declared = Object.keys(action.config.properties ?? {});
  for (const part of parts) {
    if (part.kind !== 'expression') continue;
    const field = /^config\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(part.source)?.[1];
    if (field === undefined) issues.push({ path, message: `A path placeholder must be "{{ config.<field> }}", not "{{ ${part.source} }}"` });
    else if (!declared.includes(field)) issues.push({ path, message: `The path uses config.${field}, which the action's config does not declare` });
  }
}

function checkConfig(action: DeclarativeAction, path: JsonPath, issues: DeclarativeIssue[]): void {
  try {
    configFieldsSchema(action.config);
  } catch (error) {
    issues.push({ path, message: `Not a usable JSON Schema: ${errorMessage(error)}` });
  }
  const reserved = action.pagination ? [...reservedFields, 'maxPages'] : reservedFields;
  for (const name of Object.keys(action.config.properties ?? {})) {
    if (reserved.includes(name)) issues.push({ path: [...path, 'properties', name], message: `"${name}" is added by the interpreter; choose another name` });
  }
}

function checkAction(action: DeclarativeAction, path: JsonPath, issues: DeclarativeIssue[]): void {
  checkPath(action, [...path, 'path'], issues);
  checkConfig(action, [...path, 'config'], issues);
  checkTemplateValue(action.query, [...path, 'query'], issues);
  checkTemplateValue(action.headers, [...path, 'headers'], issues);
  checkTemplateValue(action.body, [...path, 'body'], issues);
  if (action.body !== undefined && action.method === 'GET') issues.push({ path: [...path, 'body'], message: 'A GET request has no body' });
  checkJmespath(action.response?.map, [...path, 'response', 'map'], issues);
  checkJmespath(action.response?.items, [...path, 'response', 'items'], issues);
  if (action.pagination?.type === 'cursor') {
    checkJmespath(action.pagination.cursorPath, [...path, 'pagination', 'cursorPath'], issues);
    checkJmespath(action.pagination.hasMorePath, [...path, 'pagination', 'hasMorePath'], issues);
  }
}

/**
 * Validates a connector document as it is saved: the format first, then what a schema
 * cannot say (templates parse and read only `config`/`input`, JMESPath compiles, path
 * placeholders name declared fields, action keys are unique). Every issue carries its
 * JSON path, and all of them are reported at once.
 *
 * @example
 * ```ts
 * const result = parseDeclarativeConnector(JSON.parse(text));
 * if (!result.ok) for (const issue of result.issues) console.log(issue.path.join('.'), issue.message);
 * ```
 */
export function parseDeclarativeConnector(json: unknown): ParseDeclarativeResult {
  const parsed = declarativeConnectorSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
        message: issue.message,
      })),
    };
  }
  const connector = parsed.data;
  const issues: DeclarativeIssue[] = [];
  const keys = new Set<string>();
  connector.actions.forEach((action, index) => {
    if (keys.has(action.key)) issues.push({ path: ['actions', index, 'key'], message: `Another action already has the key "${action.key}"` });
    keys.add(action.key);
    checkAction(action, ['actions', index], issues);
  });
  if (connector.test && hasTemplate(connector.test.path)) issues.push({ path: ['test', 'path'], message: 'The connection test path cannot hold templates: it has no config' });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, connector };
}
