export {
  declarativeConnectorSchema,
  declarativeActionSchema,
  paginationSchema,
  type DeclarativeConnector,
  type DeclarativeConnectorInput,
  type DeclarativeAction,
  type Pagination,
  type JsonValue,
} from './declarative-connector-schema';
export { parseDeclarativeConnector, templateRoots, type DeclarativeIssue, type ParseDeclarativeResult } from './parse-declarative-connector';
export { declarativeToConnector } from './declarative-to-connector';
export { declarativeConnectorJsonSchema } from './json-schema';
