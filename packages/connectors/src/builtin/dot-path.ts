import { z } from 'zod';

/** One step of a dot path: an object key or an array index. */
export type PathSegment = string | number;

/**
 * Keys that reach an object's prototype instead of its own data. Writing through them
 * pollutes every object of the process (CVE-2019-10744 and friends), so they are
 * rejected when the config is parsed, long before a node runs.
 */
const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** Indexes past the end of an array are padded with `null`; the cap keeps that bounded. */
export const maxArrayIndex = 9_999;

const key = String.raw`[A-Za-z_$][A-Za-z0-9_$-]*`;
const index = String.raw`\[\d+\]`;
const dotPathPattern = new RegExp(`^${key}(?:${index})*(?:\\.${key}(?:${index})*)*$`);
const segmentPattern = new RegExp(`(${key})|\\[(\\d+)\\]`, 'g');

/**
 * Splits a path that `dotPathSchema` accepted: `a.b[0].c` → `['a', 'b', 0, 'c']`.
 */
export function parseDotPath(path: string): readonly PathSegment[] {
  const cached = parsedPaths.get(path);
  if (cached) return cached;
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(segmentPattern)) {
    const [, name, position] = match;
    segments.push(name ?? Number(position));
  }
  // Configs repeat the same paths on every run; the cache is bounded like core's expression cache.
  if (parsedPaths.size >= parsedPathLimit) parsedPaths.delete(parsedPaths.keys().next().value as string);
  parsedPaths.set(path, segments);
  return segments;
}

const parsedPathLimit = 5_000;
const parsedPaths = new Map<string, PathSegment[]>();

/** A dot path with optional array indexes (`a.b[0].c`) that cannot reach a prototype. */
export const dotPathSchema = z
  .string()
  // The regex also lands in the JSON Schema (`pattern`), so forms check it as the user types.
  .regex(dotPathPattern, 'Expected a dot path such as "a.b[0].c"')
  .superRefine((path, ctx) => {
    // zod runs every check; the regex above has already reported a malformed path.
    if (!dotPathPattern.test(path)) return;
    for (const segment of parseDotPath(path)) {
      if (typeof segment === 'string' && forbiddenKeys.has(segment)) {
        ctx.addIssue({ code: 'custom', message: `Path segment "${segment}" is not allowed: it reaches the object prototype` });
      } else if (typeof segment === 'number' && segment > maxArrayIndex) {
        ctx.addIssue({ code: 'custom', message: `Array index ${segment} is above the limit of ${maxArrayIndex}` });
      }
    }
  });
