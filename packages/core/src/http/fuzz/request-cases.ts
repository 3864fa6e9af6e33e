import fc from 'fast-check';
import { schemaArbitrary } from './json-schema-arbitrary';
import type { FuzzOperation, FuzzParameter } from './openapi-operations';

/** One generated request, as plain data so fast-check can print and shrink it. */
export interface FuzzRequest {
  method: string;
  url: string;
  /** What this request probes: `valid`, `mutated body`, `malformed JSON`... */
  variant: string;
  /** Undefined sends no content-type header at all. */
  contentType: string | undefined;
  body: string | undefined;
}

export interface RequestCaseOptions {
  baseUrl: string;
  components: Readonly<Record<string, unknown>>;
  pathParamValues?: ((name: string) => fc.Arbitrary<string>) | undefined;
}

/** Inserted into the path as written: they probe the server's own decoding and routing. */
const rawPathJunk = ['%00', '..', '%2e%2e', '%2F', '%', '%zz', '%C0%AE', ''];
/** Inserted percent-encoded: odd values a route parameter must survive. */
const encodedPathJunk = ['ü', '😀', '\u202e', 'a'.repeat(3_000), ' ', "'", '<script>', '-1', '0', 'null', '../../etc/passwd', '\u0000'];

/** Bodies a JSON parser must refuse, or (the last two) must survive. */
const malformedJson = ['{"a":', '{', '[1,', 'not json', "{'a':1}", '{"a":1}}', 'NaN', '\u0000', '{"__proto__":{"polluted":true}}', `${'['.repeat(5_000)}${']'.repeat(5_000)}`];

const wrongContentTypes = ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', undefined];

const sendsBody = (method: string): boolean => method !== 'get';

type PathValues = Record<string, string>;
type QueryValues = Record<string, unknown>;
interface BodyCase {
  contentType: string | undefined;
  body: string | undefined;
}

/** Requests for one operation: mostly valid ones (so the happy path is exercised too), and ones with a single part broken. */
export function requestArbitrary(operation: FuzzOperation, options: RequestCaseOptions): fc.Arbitrary<FuzzRequest> {
  const { components } = options;
  const validPath = pathValues(operation.pathParams, (parameter) =>
    (options.pathParamValues?.(parameter.name) ?? schemaArbitrary(parameter.schema, { components, mode: 'valid' }).map(scalarText)).map(encodeSegment),
  );
  const validQuery = queryValues(operation.queryParams, components);
  const bodySchema = operation.body;
  const noBody: fc.Arbitrary<BodyCase> = fc.constant({ contentType: undefined, body: undefined });
  let validBody = noBody;
  if (bodySchema !== undefined && sendsBody(operation.method)) {
    const json = schemaArbitrary(bodySchema.schema, { components, mode: 'valid' }).map(jsonBody);
    // An optional body may be left out; leaving out a required one is the `empty body` case.
    validBody = bodySchema.required ? json : fc.oneof({ arbitrary: json, weight: 4 }, { arbitrary: noBody, weight: 1 });
  }

  const variants: Array<fc.WeightedArbitrary<[string, PathValues, QueryValues | Array<[string, string]>, BodyCase]>> = [
    { arbitrary: fc.tuple(fc.constant('valid'), validPath, validQuery, validBody), weight: 5 },
  ];
  if (operation.pathParams.length > 0) {
    const junkPath = pathValues(operation.pathParams, () =>
      fc.oneof(fc.constantFrom(...rawPathJunk), fc.constantFrom(...encodedPathJunk).map(encodeSegment), fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeSegment)),
    );
    variants.push({ arbitrary: fc.tuple(fc.constant('junk path parameter'), junkPath, validQuery, validBody), weight: 1 });
  }
  if (operation.queryParams.length > 0) {
    variants.push({ arbitrary: fc.tuple(fc.constant('mutated query'), validPath, mutatedQuery(operation.queryParams, components), validBody), weight: 1 });
  }
  if (bodySchema !== undefined && sendsBody(operation.method)) {
    const bodyVariants: Array<[string, fc.Arbitrary<BodyCase>]> = [
      ['mutated body', schemaArbitrary(bodySchema.schema, { components, mode: 'mutated' }).map(jsonBody)],
      ['malformed JSON', fc.oneof(fc.constantFrom(...malformedJson), fc.string({ maxLength: 30 })).map((body) => ({ contentType: 'application/json', body }))],
      [
        'wrong content-type',
        fc.tuple(schemaArbitrary(bodySchema.schema, { components, mode: 'valid' }), fc.constantFrom(...wrongContentTypes)).map(([value, contentType]) => ({
          contentType,
          body: JSON.stringify(value) ?? '',
        })),
      ],
      ['empty body', fc.constantFrom<BodyCase>({ contentType: 'application/json', body: '' }, { contentType: 'application/json', body: undefined })],
    ];
    for (const [variant, body] of bodyVariants) variants.push({ arbitrary: fc.tuple(fc.constant(variant), validPath, validQuery, body), weight: 1 });
  }

  return fc.oneof(...variants).map(([variant, path, query, body]) => ({
    method: operation.method.toUpperCase(),
    url: buildUrl(options.baseUrl, operation.path, path, Array.isArray(query) ? query : queryEntries(query)),
    variant,
    contentType: body.contentType,
    body: body.body,
  }));
}

function pathValues(parameters: readonly FuzzParameter[], valueOf: (parameter: FuzzParameter) => fc.Arbitrary<string>): fc.Arbitrary<PathValues> {
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const parameter of parameters) model[parameter.name] = valueOf(parameter);
  return fc.record(model);
}

function queryValues(parameters: readonly FuzzParameter[], components: Readonly<Record<string, unknown>>): fc.Arbitrary<QueryValues> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const parameter of parameters) model[parameter.name] = schemaArbitrary(parameter.schema, { components, mode: 'valid' });
  return fc.record(model, { requiredKeys: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name) });
}

/** Valid query values with one thing broken: a mutated value, a required parameter missing, an unknown or repeated parameter, or an odd string. */
function mutatedQuery(parameters: readonly FuzzParameter[], components: Readonly<Record<string, unknown>>): fc.Arbitrary<Array<[string, string]>> {
  const valid = queryValues(parameters, components);
  const names = parameters.map((parameter) => parameter.name);
  const required = parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name);
  const mutatedValues = parameters.map((parameter) => schemaArbitrary(parameter.schema, { components, mode: 'mutated' }));
  const oddStrings = ['', 'a'.repeat(5_000), '%00', '\u0000', '😀', '-1', '1e309', 'NaN', 'true', '[]', '{}'];
  const choices: Array<fc.Arbitrary<Array<[string, string]>>> = [
    fc.tuple(valid, fc.nat(parameters.length - 1)).chain(([values, index]) =>
      (mutatedValues[index] ?? fc.constant(null)).map((bad) => queryEntries({ ...values, [names[index] ?? '']: bad })),
    ),
    fc.tuple(valid, fc.constantFrom(...names), fc.constantFrom(...oddStrings)).map(([values, name, odd]) => [
      ...queryEntries(omit(values, name)),
      [name, odd] satisfies [string, string],
    ]),
    fc.tuple(valid, fc.constantFrom(...names)).map(([values, name]) => {
      const entries = queryEntries(values);
      const first = entries.find(([key]) => key === name);
      return first === undefined ? [...entries, [name, ''] satisfies [string, string]] : [...entries, first];
    }),
    valid.map((values) => [...queryEntries(values), ['unexpected', '1'] satisfies [string, string]]),
  ];
  if (required.length > 0) choices.push(fc.tuple(valid, fc.constantFrom(...required)).map(([values, name]) => queryEntries(omit(values, name))));
  return fc.oneof(...choices);
}

function omit(values: QueryValues, name: string): QueryValues {
  const { [name]: _omitted, ...rest } = values;
  return rest;
}

/** Query values as the `form`/`explode` style (OpenAPI's default) writes them: an array repeats its key. */
function queryEntries(values: QueryValues): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) entries.push([name, scalarText(item)]);
    else entries.push([name, scalarText(value)]);
  }
  return entries;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function jsonBody(value: unknown): BodyCase {
  // `undefined` (from `fc.anything()`) has no JSON text: it becomes an empty body.
  return { contentType: 'application/json', body: JSON.stringify(value) ?? '' };
}

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be encoded; sending it raw probes the server all the same.
    return value;
  }
}

function buildUrl(baseUrl: string, template: string, path: PathValues, query: Array<[string, string]>): string {
  const filled = template.replace(/\{([^}]+)\}/g, (whole, name: string) => path[name] ?? whole);
  const search = new URLSearchParams(query).toString();
  return `${baseUrl.replace(/\/+$/, '')}${filled}${search === '' ? '' : `?${search}`}`;
}

/** The `Request` to send; a body is sent as bytes so no content-type is added unless the case sets one. */
export function toRequest(fuzz: FuzzRequest, headers: Readonly<Record<string, string>>): Request {
  const requestHeaders = new Headers(headers);
  if (fuzz.contentType !== undefined) requestHeaders.set('content-type', fuzz.contentType);
  const init: RequestInit = { method: fuzz.method, headers: requestHeaders };
  if (fuzz.body !== undefined) init.body = new TextEncoder().encode(fuzz.body);
  return new Request(fuzz.url, init);
}
