import { builtinConnectors } from '@pipewright/connectors';
import { compile, coreNodes, createRegistry } from '@pipewright/core';
import type { BenchCase } from './harness';
import { branchingGraph, linearGraph } from './compile-graphs';

const registry = createRegistry([...coreNodes, ...builtinConnectors]);
const sizes = [10, 100, 1_000, 10_000];

function compileCase(shape: 'linear' | 'branching', size: number): BenchCase {
  // Input as it arrives from outside: plain parsed JSON (compile never mutates it).
  const json = JSON.stringify(shape === 'linear' ? linearGraph(size) : branchingGraph(size));
  const check = compile(JSON.parse(json), registry);
  if (!check.ok) throw new Error(`${shape} ${size} does not compile: ${JSON.stringify(check.diagnostics.slice(0, 3))}`);
  const workflow: unknown = JSON.parse(json);
  return { name: `compile.${shape}.${size}.ms`, unit: 'ms', run: () => void compile(workflow, registry) };
}

export const compileBenchmarks: BenchCase[] = sizes.flatMap((size) => [compileCase('linear', size), compileCase('branching', size)]);
