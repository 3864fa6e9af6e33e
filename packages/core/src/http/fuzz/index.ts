export { schemaArbitrary, type JsonSchema, type SchemaArbitraryOptions } from './json-schema-arbitrary';
export { fuzzOpenApi, OpenApiFuzzError, type FuzzFailure, type FuzzOpenApiOptions, type FuzzRequest, type FuzzSummary, type OpenApiDocumentLike } from './fuzz-openapi';
export { responseViolation } from './response-check';
