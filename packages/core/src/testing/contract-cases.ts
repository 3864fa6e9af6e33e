import { expect, it } from 'vitest';

/**
 * The named cases of a contract suite, with the adapter's `skip` list: a case may be
 * skipped only with a reason, which the report shows, and a skip that names no case
 * (a typo, a renamed case) fails rather than skipping nothing quietly.
 */
export function contractCases(skip: Partial<Record<string, string>>) {
  const names = new Set<string>();
  return {
    define(name: string, body: () => Promise<void>): void {
      names.add(name);
      const reason = skip[name];
      it.skipIf(reason !== undefined)(reason === undefined ? name : `${name} — skipped: ${reason}`, body);
    },
    /** Call after the last case, inside the suite's `describe`. */
    checkSkips(): void {
      const unknown = Object.keys(skip).filter((name) => !names.has(name));
      if (unknown.length > 0) {
        it('names only existing cases in `skip`', () => {
          expect(unknown, 'skip names cases that do not exist').toEqual([]);
        });
      }
    },
  };
}
