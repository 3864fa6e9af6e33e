import { apiBenchmarks } from './api.bench';
import { compileBenchmarks } from './compile.bench';
import { engineBenchmarks } from './engine.bench';
import { runCases } from './harness';
import { storageBenchmarks } from './storage.bench';
import { webhookBenchmarks } from './webhook.bench';

// `npm run bench -- <filter>` runs only the benchmarks whose name starts with the filter.
const filter = process.argv[2];
runCases(compileBenchmarks, filter);
for (const bench of [...engineBenchmarks, ...storageBenchmarks, ...webhookBenchmarks, ...apiBenchmarks]) {
  if (!filter || bench.name.startsWith(filter) || filter.startsWith(bench.name)) await bench.run();
}
