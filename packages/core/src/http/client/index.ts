export { createClient, type Client, type ClientOptions, type ClientResult } from './create-client';
export { ApiError, ApiContractError } from './api-error';
export { readEventStream, type ServerSentEvent } from './read-event-stream';
export type { OperationInput, OperationOutput, Role } from '../contract/operation';
export type { OperationId, Operations } from '../contract/operations';
export type { Problem } from '../contract/common-schemas';
