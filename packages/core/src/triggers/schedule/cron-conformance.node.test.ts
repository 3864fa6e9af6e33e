import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nextFires } from './next-fire';

/**
 * Vectors computed independently with croner and cron-parser (see the README beside the
 * file). Read from the shared checkout rather than copied, so an update reaches us; a
 * missing file fails this suite at load.
 */
// A copy of the independent vectors (../shared/conformance/cron-next-fire.json), kept in the repo so a clean clone tests against them.
const vectorsPath = fileURLToPath(new URL('./conformance/cron-next-fire.json', import.meta.url));

const instant = z.iso.datetime().transform((iso) => Date.parse(iso));
const vectorsSchema = z.object({
  consensus: z.array(z.object({ name: z.string(), pattern: z.string(), tz: z.string(), from: instant, next: z.array(instant).min(1) })).min(1),
  divergent: z.array(z.object({ name: z.string(), pattern: z.string(), tz: z.string(), from: instant, croner: z.array(instant), cronParser: z.array(instant) })),
});
const vectors = vectorsSchema.parse(JSON.parse(readFileSync(vectorsPath, 'utf8')));

const utc = (iso: string): number => Date.parse(iso);

/**
 * Where the libraries disagree, our semantics decide (see `nextFireAfter`): a local time
 * that does not exist is skipped, one that occurs twice fires once, at its first pass.
 */
const ourDivergentAnswers: Record<string, { expected: number[] }> = {
  'dst-gap-new-york-0230': {
    // 2025-03-09 New York jumps from 02:00 EST to 03:00 EDT, so 02:30 does not exist that
    // day: no fire (croner fires at 03:00 EDT, cron-parser at 03:30 EDT; we do neither).
    // The next 02:30 is 2025-03-10 02:30 EDT (UTC-4) = 06:30Z, then daily at 06:30Z.
    expected: [utc('2025-03-10T06:30:00Z'), utc('2025-03-11T06:30:00Z'), utc('2025-03-12T06:30:00Z')],
  },
  'dst-overlap-new-york-every-30': {
    // 2025-11-02 New York falls back at 02:00 EDT (06:00Z) to 01:00 EST, so 01:00–01:59
    // happens twice. The hour field is fixed (1), so each local time fires once, in the
    // first (EDT, UTC-4) pass: 01:00 = 05:00Z, 01:30 = 05:30Z. The EST pass (06:00Z,
    // 06:30Z) is skipped; the next day is EST (UTC-5): 01:00 = 06:00Z, 01:30 = 06:30Z.
    // This is cron-parser's answer; croner also fires in the repeated pass.
    expected: [utc('2025-11-02T05:00:00Z'), utc('2025-11-02T05:30:00Z'), utc('2025-11-03T06:00:00Z'), utc('2025-11-03T06:30:00Z')],
  },
};

describe('cron conformance vectors: consensus', () => {
  it.each(vectors.consensus)('$name: $pattern in $tz', ({ pattern, tz, from, next }) => {
    expect(nextFires({ cron: pattern, timezone: tz }, from, next.length).map(iso)).toEqual(next.map(iso));
  });
});

describe('cron conformance vectors: divergent, with our DST semantics', () => {
  it('has an answer of ours for every divergent vector', () => {
    expect(vectors.divergent.map((vector) => vector.name).sort()).toEqual(Object.keys(ourDivergentAnswers).sort());
  });

  it.each(vectors.divergent)('$name: $pattern in $tz', ({ name, pattern, tz, from }) => {
    const answer = ourDivergentAnswers[name];
    if (!answer) throw new Error(`No decided answer for divergent vector ${name}`);
    expect(nextFires({ cron: pattern, timezone: tz }, from, answer.expected.length).map(iso)).toEqual(answer.expected.map(iso));
  });

  it('agrees with cron-parser on the overlap and with neither library on the gap', () => {
    const overlap = vectors.divergent.find((vector) => vector.name === 'dst-overlap-new-york-every-30');
    const gap = vectors.divergent.find((vector) => vector.name === 'dst-gap-new-york-0230');
    expect(overlap?.cronParser).toEqual(ourDivergentAnswers['dst-overlap-new-york-every-30']?.expected);
    // Both libraries fire on the gap day (2025-03-09); their later fires are ours.
    expect(gap?.croner[0]).toBe(utc('2025-03-09T07:00:00Z'));
    expect(gap?.cronParser[0]).toBe(utc('2025-03-09T07:30:00Z'));
    expect(gap?.cronParser.slice(1)).toEqual(ourDivergentAnswers['dst-gap-new-york-0230']?.expected.slice(0, 2));
  });
});

/** ISO strings make a failing comparison readable. */
function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
