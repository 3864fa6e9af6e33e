import type { BreakerOptionsInput } from '../reliability/circuit-breaker';
import type { RateLimitOptionsInput } from '../reliability/rate-limiter';
import type { StepConnection } from '../connections/step-connection';
import type { AuthSpec } from './auth-spec';
import type { ActionNodeDefinition, ControlNodeDefinition, TriggerNodeDefinition } from './node-definition';

/** A service Pipewright talks to: its auth, its actions and its triggers. */
export interface ConnectorDefinition {
  /** The prefix of every node type of the connector: `slack` for `slack.postMessage`. */
  id: string;
  name: string;
  description?: string;
  icon?: string;
  auth: AuthSpec;
  nodes: ReadonlyArray<ActionNodeDefinition | ControlNodeDefinition>;
  triggers: ReadonlyArray<TriggerNodeDefinition>;
  /**
   * The circuit breaker of each connection (defaults when absent; `false`: none). The
   * host can override it per connector in `createEngine({ flowControl })`.
   */
  breaker?: BreakerOptionsInput | false;
  /** The service's rate limit per connection, e.g. Slack's 1 call per second per token. */
  rateLimit?: RateLimitOptionsInput;
  /**
   * Checks that a connection's credentials work, e.g. by calling the service's "who am
   * I" endpoint; throws when they do not. `connections.test` runs it.
   */
  testConnection?: (ctx: { connection: StepConnection; signal: AbortSignal }) => Promise<void> | void;
}

/**
 * Declares a connector. Node types must be named `"<connector id>.<action>"`.
 *
 * @example
 * ```ts
 * const shop = defineConnector({ id: 'shop', name: 'Shop', auth: { type: 'bearer' }, nodes: [], triggers: [] });
 * ```
 */
export function defineConnector(definition: ConnectorDefinition): ConnectorDefinition {
  return definition;
}
