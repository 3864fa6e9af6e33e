import { compileBenchmarks } from './compile.bench';
import { runCases } from './harness';

// `npm run bench -- <filter>` runs only the benchmarks whose name starts with the filter.
const filter = process.argv[2];
runCases(compileBenchmarks, filter);
