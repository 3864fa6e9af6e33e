import type { OperationHandlers } from './handler-types';
import { connectionHandlers } from './connection-handlers';
import { systemHandlers } from './system-handlers';
import { runHandlers } from './run-handlers';
import { workflowHandlers } from './workflow-handlers';

/** Every operation's handler; the type fails to check when an operation has none. */
export const operationHandlers = { ...systemHandlers, ...workflowHandlers, ...runHandlers, ...connectionHandlers } satisfies OperationHandlers;
