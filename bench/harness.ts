import { performance } from 'node:perf_hooks';

export interface BenchCase {
  /** `bench: <name> = <value> <unit>`, names as in BENCHMARKS.md. */
  name: string;
  unit: 'ms';
  /** One operation; the harness times it. */
  run: () => void;
}

const warmupMs = 300;
const rounds = 7;
const roundMs = 250;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median over several rounds of the mean time per operation, after a warm-up. */
export function measureMs(run: () => void): number {
  const warmupEnd = performance.now() + warmupMs;
  let iterations = 0;
  while (performance.now() < warmupEnd || iterations < 2) {
    run();
    iterations++;
  }
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    let count = 0;
    do {
      run();
      count++;
    } while (performance.now() - start < roundMs);
    perRound.push((performance.now() - start) / count);
  }
  return median(perRound);
}

export function report(name: string, value: number, unit: string): void {
  const shown = value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
  console.log(`bench: ${name} = ${shown} ${unit}`);
}

export function runCases(cases: readonly BenchCase[], filter: string | undefined): void {
  for (const benchCase of cases) {
    if (filter && !benchCase.name.startsWith(filter)) continue;
    report(benchCase.name, measureMs(benchCase.run), benchCase.unit);
  }
}
