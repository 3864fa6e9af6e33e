import { defineConnector } from '@pipewright/core';
import { httpRequestNode } from './http-request';

/**
 * Plain HTTP: `http.*`. It has no auth of its own; `http.request` borrows the auth of a
 * connection of any other connector.
 */
export const httpConnector = defineConnector({
  id: 'http',
  name: 'HTTP',
  description: 'Call any HTTP API.',
  icon: 'globe',
  auth: { type: 'none' },
  nodes: [httpRequestNode],
  triggers: [],
});
