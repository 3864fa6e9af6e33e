import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { claimScript, enqueueScript, handBackScript, heartbeatScript, releaseScript, retryScript, scriptKeyNames } from './lua-scripts';
import type { QueueKeys } from './queue-keys';

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });

const scripts = {
  enqueue: script(enqueueScript),
  claim: script(claimScript),
  heartbeat: script(heartbeatScript),
  retry: script(retryScript),
  release: script(releaseScript),
  handBack: script(handBackScript),
};

/** What the claim script decided about a job just moved to active. */
export type ClaimResult =
  | { status: 'leased'; attempt: number; dueAt: number | undefined }
  | { status: 'exhausted'; attempt: number }
  | { status: 'held' }
  | { status: 'lost' };

/** The adapter's scripts, bound to one client and one queue's keys. See `lua-scripts.ts`. */
export interface QueueScripts {
  /**
   * Stores a new job (`data` and `options` as BullMQ stores them: JSON), or finds the job
   * waiting under its dedupe key (`key`, '' for none). `dueAt` is on the queue's clock,
   * `at` the same time in real time.
   */
  enqueue(input: {
    jobId: string;
    name: string;
    data: string;
    options: string;
    tenantId: string;
    key: string;
    dueAt: number;
    at: number;
  }): Promise<{ id: string; deduplicated: boolean }>;
  claim(input: { jobId: string; token: string; leaseMs: number; key: string; maxAttempts: number }): Promise<ClaimResult>;
  heartbeat(input: { jobId: string; token: string; leaseMs: number; key: string }): Promise<boolean>;
  retry(input: { jobId: string; token: string; key: string; dueAt: number; at: number; reason: string }): Promise<boolean>;
  release(input: { jobId: string; token: string; key: string }): Promise<void>;
  handBack(input: { jobId: string; token: string }): Promise<boolean>;
}

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');

/** Replies of the scripts are Redis arrays of strings and integers. */
function replyList(reply: unknown): Array<string | number> {
  if (!Array.isArray(reply)) throw new Error(`Unexpected reply from a queue script: ${JSON.stringify(reply)}`);
  return reply.map((item: unknown) => {
    if (typeof item === 'string' || typeof item === 'number') return item;
    throw new Error(`Unexpected reply from a queue script: ${JSON.stringify(reply)}`);
  });
}

const toNumber = (value: string | number | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
};

/**
 * Binds the scripts to `client`. They run by SHA (EVALSHA) and are sent in full once per
 * server when it does not know them yet (after a restart or SCRIPT FLUSH too).
 */
export function createQueueScripts(client: Redis, keys: QueueKeys): QueueScripts {
  const keyList = scriptKeyNames.map((name) => keys[name]);

  async function run(which: Script, args: Array<string | number>): Promise<unknown> {
    // The real clock, not the queue's: the scores these scripts write are read by BullMQ,
    // which compares them with Date.now().
    const fullArgs = [keys.base, Date.now(), ...args];
    try {
      return await client.evalsha(which.sha, keyList.length, ...keyList, ...fullArgs);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(which.source, keyList.length, ...keyList, ...fullArgs);
    }
  }

  return {
    async enqueue({ jobId, name, data, options, tenantId, key, dueAt, at }) {
      const [id, deduplicated] = replyList(await run(scripts.enqueue, [jobId, name, data, options, tenantId, key, dueAt, at]));
      return { id: String(id ?? ''), deduplicated: deduplicated === 1 };
    },

    async claim({ jobId, token, leaseMs, key, maxAttempts }) {
      const [status, attempt, dueAt] = replyList(await run(scripts.claim, [jobId, token, leaseMs, key, maxAttempts]));
      if (status === 'leased') return { status, attempt: toNumber(attempt) ?? 1, dueAt: toNumber(dueAt) };
      if (status === 'exhausted') return { status, attempt: toNumber(attempt) ?? maxAttempts + 1 };
      if (status === 'held' || status === 'lost') return { status };
      throw new Error(`Unexpected reply from the claim script: ${String(status)}`);
    },

    async heartbeat({ jobId, token, leaseMs, key }) {
      return (await run(scripts.heartbeat, [jobId, token, leaseMs, key])) === 1;
    },

    async retry({ jobId, token, key, dueAt, at, reason }) {
      return (await run(scripts.retry, [jobId, token, key, dueAt, at, reason])) === 1;
    },

    async release({ jobId, token, key }) {
      await run(scripts.release, [jobId, token, key]);
    },

    async handBack({ jobId, token }) {
      return (await run(scripts.handBack, [jobId, token])) === 1;
    },
  };
}
