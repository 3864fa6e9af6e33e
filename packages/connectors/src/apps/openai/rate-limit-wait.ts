import { parseRetryAfter } from '@pipewright/core';

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses OpenAI's `x-ratelimit-reset-*` durations (`1s`, `6m0s`, `20ms`, `1.5s`) into
 * milliseconds; undefined for anything else.
 */
export function parseResetDuration(value: string): number | undefined {
  const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value.trim()) return undefined;
  return Math.ceil(parts.reduce((total, part) => total + Number(part[1]) * (unitMs[part[2] ?? ''] ?? 0), 0));
}

/**
 * How long a 429 asks to wait: `retry-after` when present (the standard header, which
 * OpenAI-compatible servers send too), else the later of OpenAI's request and token
 * window resets, since either window being exhausted rejects the call.
 */
export function rateLimitWaitMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const waitMs = parseRetryAfter(retryAfter, now);
    if (waitMs !== undefined) return waitMs;
  }
  const resets = ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']
    .map((name) => headers.get(name))
    .map((value) => (value === null ? undefined : parseResetDuration(value)))
    .filter((waitMs): waitMs is number => waitMs !== undefined);
  return resets.length === 0 ? undefined : Math.max(...resets);
}
