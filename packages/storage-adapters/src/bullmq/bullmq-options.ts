import type { Clock } from '@pipewright/core';
import { realClock } from '@pipewright/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { StorageConfigError } from '../storage-config-error';

/**
 * An ioredis client, checked by shape rather than `instanceof`, so a client made by
 * another copy of ioredis in the host's tree is accepted. A cluster client is not: the
 * queue's scripts address keys by name, which needs one Redis.
 */
const isRedisClient = (value: unknown): value is Redis => {
  if (typeof value !== 'object' || value === null) return false;
  const client = value as Partial<Record<'duplicate' | 'evalsha' | 'eval' | 'options' | 'isCluster', unknown>>;
  return (
    typeof client.duplicate === 'function' &&
    typeof client.evalsha === 'function' &&
    typeof client.eval === 'function' &&
    typeof client.options === 'object' &&
    client.isCluster !== true
  );
};

const redisUrlSchema = z.url({ protocol: /^rediss?$/ });

/**
 * One schema for both forms, so a wrong value gets one message that says what is
 * expected, rather than zod's "Invalid input" for a union none of whose members matched.
 */
const connectionSchema = z.custom<string | Redis>().check((context) => {
  const { value } = context;
  const problem =
    typeof value === 'string'
      ? redisUrlSchema.safeParse(value).success
        ? undefined
        : 'Connection URL must start with redis:// or rediss://'
      : !isRedisClient(value)
        ? 'Connection must be a redis:// URL or an ioredis client (not a cluster client)'
        : // BullMQ refuses ioredis key prefixes (its scripts build key names themselves),
          // and so do this queue's own scripts: the `prefix` option takes their place.
          value.options.keyPrefix
          ? 'The ioredis client must not have a keyPrefix: use the queue prefix option instead'
          : undefined;
  if (problem !== undefined) context.issues.push({ code: 'custom', input: value, message: problem });
});

/** No colon: BullMQ joins prefix, queue name and key type with colons. */
const keySegmentSchema = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(100, { error: `${what} must be at most 100 characters` })
    .regex(/^[^:\s]*$/, { error: `${what} must not contain ":" or whitespace` });

const clockSchema = z.custom<Clock>(
  (value) => typeof value === 'object' && value !== null && typeof (value as Partial<Clock>).now === 'function' && typeof (value as Partial<Clock>).setTimer === 'function',
  { error: 'Clock must have now() and setTimer()' },
);

const errorListenerSchema = z.custom<(error: unknown) => void>((value) => typeof value === 'function', { error: 'onError must be a function' });

/** The options of `createBullmqJobQueue`: validator and type in one. */
export const bullmqJobQueueOptionsSchema = z.object({
  /**
   * A `redis://` or `rediss://` URL, for which the queue opens (and on `close()` closes)
   * its own connections; or an ioredis client the host owns, which the queue uses but
   * never closes. Workers need connections with `maxRetriesPerRequest: null`, so for a
   * host client the queue opens one duplicate of it for its workers, and closes that.
   */
  connection: connectionSchema,
  /** The BullMQ queue name; hosts sharing one Redis keep their jobs apart with it. */
  queueName: keySegmentSchema('Queue name').default('pipewright'),
  /** BullMQ's key prefix: every key of the queue starts with `<prefix>:<queueName>:`. */
  prefix: keySegmentSchema('Prefix').default('pw'),
  /**
   * Reads "now" for due times (the default `dueAt`, and how far ahead a `dueAt` lies).
   * Leases and delays themselves run on Redis and BullMQ, in real time.
   */
  clock: clockSchema.default(realClock),
  /**
   * Hears errors no caller is waiting for: a lost Redis connection, a job that could not
   * be completed or retried after its handler ran. Ignored when absent.
   */
  onError: errorListenerSchema.optional(),
});

/** What `createBullmqJobQueue` accepts. */
export type BullmqJobQueueOptions = z.input<typeof bullmqJobQueueOptionsSchema>;

/** The options with their defaults filled in. */
export type ResolvedBullmqJobQueueOptions = z.output<typeof bullmqJobQueueOptionsSchema>;

/**
 * Checks the options and fills in defaults.
 *
 * @throws {StorageConfigError} `invalid_queue_options`, listing every problem found.
 */
export function parseBullmqJobQueueOptions(options: unknown): ResolvedBullmqJobQueueOptions {
  const parsed = bullmqJobQueueOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    message: issue.message,
    code: issue.code,
  }));
  const listed = issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
  throw new StorageConfigError('invalid_queue_options', `Invalid BullMQ job queue options: ${listed}`, issues);
}
