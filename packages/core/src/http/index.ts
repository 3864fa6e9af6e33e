export { createHttpHandler } from './server/create-http-handler';
export type { HttpApiOptions, Principal, HandlerContext } from './server/handler-types';
export type { ProblemCode, HttpProblemCode } from './server/problem';
export { createOpenApiDocument, type OpenApiDocument } from './contract/openapi';
export { operations, type Operations, type OperationId } from './contract/operations';
export { roleAllows, type Role, type OperationSpec, type OperationInput, type OperationOutput, type HttpMethod } from './contract/operation';
export { problemSchema, type Problem } from './contract/common-schemas';
export { problemDetails } from '../errors/problem-details';
