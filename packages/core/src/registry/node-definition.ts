import type { StepConnection } from '../connections/step-connection';
import type { z } from 'zod';
import { mainInput, mainOutput, type HandleSpec } from './handles';
import type { NodeContext } from './node-context';

/**
 * Output handles read from the node's config, e.g. one handle per case of
 * `core.switch`. Declarative so that the builder can draw them from the manifest.
 */
export interface DynamicOutputsSpec {
  /** Config field holding an array of objects. */
  configArray: string;
  /** Field of each element that is the handle id. */
  idField: string;
  /** Field of each element used as the handle's label. */
  labelField?: string;
}

/** How a node with several incoming edges waits: for all of them or the first one. */
export type JoinMode = 'all' | 'any';

export type TriggerSource = 'manual' | 'webhook' | 'schedule' | 'poll' | 'event';

interface NodeDefinitionCommon<Schema extends z.ZodType> {
  /** `"<connector>.<action>"`. */
  type: string;
  /** Version of `configSchema`; bump it with a `migrate` when the config shape changes. */
  version: number;
  title: string;
  description: string;
  category: string;
  icon?: string;
  configSchema: Schema;
  inputs: readonly HandleSpec[];
  /** Static outputs; `dynamicOutputs` add more from the config. */
  outputs: readonly HandleSpec[];
  dynamicOutputs?: DynamicOutputsSpec;
  /** Exactly one output handle fires per execution (`core.if`, `core.switch`). */
  exclusiveOutputs?: boolean;
  /** Whether running the node changes the outside world (a dry run skips it). */
  sideEffects: boolean;
  /** Output shown in the builder and used for dry runs. */
  sampleOutput?: unknown;
  /** Upgrades a config written for `fromVersion` to the current `version`. */
  migrate?: (config: Record<string, unknown>, fromVersion: number) => Record<string, unknown>;
  /** For nodes with several incoming edges; `all` when absent. */
  joinMode?(config: z.output<Schema>): JoinMode;
}

/** A node that does work in its `run`. */
export interface ActionNodeDefinition<Schema extends z.ZodType = z.ZodType> extends NodeDefinitionCommon<Schema> {
  kind: 'action';
  run(ctx: NodeContext<z.output<Schema>>): unknown;
  /**
   * The circuit breaker and rate limiter a step shares with others, from its resolved
   * config: e.g. `http:api.example.com` for a plain HTTP request, so one failing host
   * does not open the circuit of every host. By default a connector's node uses
   * `<connector id>:<config.connection>`, and a node outside a connector none.
   */
  flowKey?(config: z.output<Schema>): string | undefined;
  /**
   * The node takes a connection of any connector in `config.connection` (a generic
   * HTTP request does) and applies that connection's own auth spec; by default a node
   * only takes connections of its connector.
   */
  anyConnection?: boolean;
}

/**
 * A control-flow node (delay, wait, loop, sub-workflow, ...) that the runtime carries
 * out itself, because it needs durable timers or other runs rather than a function call.
 */
export interface ControlNodeDefinition<Schema extends z.ZodType = z.ZodType> extends NodeDefinitionCommon<Schema> {
  kind: 'control';
}

/** A node that starts runs; it has no inputs. */
export interface TriggerNodeDefinition<Schema extends z.ZodType = z.ZodType> extends NodeDefinitionCommon<Schema> {
  kind: 'trigger';
  source: TriggerSource;
  /**
   * For `source: 'poll'`: what is new since `cursor` (undefined on the first poll). The
   * engine stores the returned cursor and starts one run per item (`pollEmits: 'batch'`:
   * one run with `{ items }`), each item once, by its id, across restarts and workers.
   */
  poll?: (ctx: PollContext<z.infer<Schema>>) => Promise<PollResult> | PollResult;
  /** How often to poll; a node's `pollIntervalMs` config wins. Default 5 minutes. */
  pollIntervalMs?: number;
  pollEmits?: 'item' | 'batch';
  /**
   * For a connector's `source: 'webhook'` trigger (GitHub, Slack...): how its requests
   * are verified, which ones start a run, and what the run gets. The engine's ingress
   * does the rest (paths, limits, replay protection, dedupe).
   */
  webhook?: ConnectorWebhook<z.infer<Schema>>;
}

/** A request that reached a connector's webhook trigger, verified, with its body parsed. */
export interface WebhookDelivery {
  method: string;
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string>;
}

export interface ConnectorWebhook<Config> {
  /**
   * The verification scheme and the connection ids holding its secrets, from the
   * trigger's config (e.g. `{ scheme: 'github', secrets: [config.secret] }`).
   */
  verify(config: Config): { scheme: string; secrets: string[] } & Record<string, unknown>;
  /** A header whose value dedupes deliveries (e.g. `x-github-delivery`). */
  idempotencyHeader?: string;
  /**
   * What to do with a verified delivery: start a run (`{ run: input }`, with an
   * `idempotencyKey` from the body when the service puts its delivery id there), answer without
   * a run (`{ respond: { status, body } }`, e.g. Slack's URL challenge), or ignore it
   * (`{ ignore: true }`: 202 and no run, e.g. an event type not subscribed to).
   */
  receive(delivery: WebhookDelivery, config: Config): { run: unknown; idempotencyKey?: string } | { respond: { status: number; body: unknown } } | { ignore: true };
}

/** What a poll trigger's `poll` receives. */
export interface PollContext<Config> {
  config: Config;
  /** What the previous poll returned as its cursor; undefined the first time. */
  cursor: unknown;
  /** The connection named by the node's `connection` config, for connectors with auth. */
  connection?: StepConnection;
  signal: AbortSignal;
  /** The poll's time (the engine's clock), epoch ms. */
  now: number;
}

export interface PollResult {
  /** New items, oldest first; `id` dedupes them. */
  items: ReadonlyArray<{ id: string; data: unknown }>;
  /** Stored and handed to the next poll (plain JSON). */
  cursor: unknown;
}

export type NodeDefinition<Schema extends z.ZodType = z.ZodType> =
  | ActionNodeDefinition<Schema>
  | ControlNodeDefinition<Schema>
  | TriggerNodeDefinition<Schema>;

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/**
 * Declares a node type. The config type of `run` is inferred from `configSchema`.
 *
 * @example
 * ```ts
 * const uppercase = defineNode({
 *   type: 'text.uppercase',
 *   version: 1,
 *   title: 'Uppercase',
 *   description: 'Uppercases a text',
 *   category: 'Data',
 *   configSchema: z.object({ text: z.string() }),
 *   sideEffects: false,
 *   run: ({ config }) => ({ text: config.text.toUpperCase() }),
 * });
 * ```
 */
export function defineNode<Schema extends z.ZodType>(
  definition: Optional<ActionNodeDefinition<Schema>, 'kind' | 'inputs' | 'outputs'>,
): ActionNodeDefinition<Schema> {
  return {
    ...definition,
    kind: 'action',
    inputs: definition.inputs ?? [mainInput],
    outputs: definition.outputs ?? [mainOutput],
  };
}

/** Declares a control-flow node that the runtime executes (see `ControlNodeDefinition`). */
export function defineControlNode<Schema extends z.ZodType>(
  definition: Optional<ControlNodeDefinition<Schema>, 'kind' | 'inputs' | 'outputs'>,
): ControlNodeDefinition<Schema> {
  return {
    ...definition,
    kind: 'control',
    inputs: definition.inputs ?? [mainInput],
    outputs: definition.outputs ?? [mainOutput],
  };
}

/**
 * Declares a trigger: the node a run starts from. It has no inputs; its output is the
 * trigger payload (`trigger` in expressions).
 *
 * @example
 * ```ts
 * const onOrder = defineTrigger({
 *   type: 'shop.orderCreated', version: 1, title: 'Order created', description: 'A new order',
 *   category: 'Shop', source: 'webhook', configSchema: z.object({}), sideEffects: false,
 * });
 * ```
 */
export function defineTrigger<Schema extends z.ZodType>(
  definition: Optional<Omit<TriggerNodeDefinition<Schema>, 'inputs'>, 'kind' | 'outputs'>,
): TriggerNodeDefinition<Schema> {
  return {
    ...definition,
    kind: 'trigger',
    inputs: [],
    outputs: definition.outputs ?? [mainOutput],
  };
}
