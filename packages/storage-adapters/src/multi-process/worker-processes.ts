import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { holdStepSignal, workerReadyLine, type WorkerConfig } from './worker-config';

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** tsx compiles the worker on the fly, and the export condition points `@pipewright/*` at their sources. */
const nodeArguments = ['--import', 'tsx', '--conditions=@pipewright/source'];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker process and what it printed. */
export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the worker's engine leases jobs; rejects if the process ends first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<Exit>;
  /** `undefined` while the process runs. */
  exit(): Exit | undefined;
  /** Everything it wrote to stdout and stderr, in order. */
  output(): string;
  /**
   * The first stdout line, already printed or to come, that `pattern` matches; fails
   * after `timeoutMs` (if given) or when the process ends without printing it.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Asks the worker to hold the next step it counts, so that a kill finds it in flight (see `worker-process.ts`). */
  holdNextStep(): void;
  /** SIGKILL, as a crash or the OOM killer would. */
  kill(): Promise<Exit>;
  /** SIGTERM (the worker stops gracefully), then SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<Exit>;
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function describeExit(exit: Exit): string {
  return exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
}

interface LineWaiter {
  pattern: RegExp;
  resolve: (match: RegExpMatchArray) => void;
  reject: (error: Error) => void;
}

function startWorker(config: WorkerConfig): WorkerProcess {
  const child = spawn(process.execPath, [...nodeArguments, workerScript, JSON.stringify(config)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  if (child.pid === undefined) throw new Error(`Could not start worker ${config.name}`);
  const pid = child.pid;
  let output = '';
  let finished: Exit | undefined;
  const lines: string[] = [];
  const waiters = new Set<LineWaiter>();
  let partial = '';

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters) {
        const match = line.match(waiter.pattern);
        if (match === null) continue;
        waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      finished = { code, signal };
      for (const waiter of waiters) waiter.reject(new Error(`Worker ${config.name} ended (${describeExit(finished)}) before printing ${String(waiter.pattern)}`));
      waiters.clear();
      resolve(finished);
    });
  });

  function waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    for (const line of lines) {
      const match = line.match(pattern);
      if (match !== null) return Promise.resolve(match);
    }
    if (finished !== undefined) return Promise.reject(new Error(`Worker ${config.name} ended (${describeExit(finished)}) before printing ${String(pattern)}`));
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const waiter: LineWaiter = { pattern, resolve, reject };
      waiters.add(waiter);
      if (timeoutMs === undefined) return;
      wait(timeoutMs).then(() => {
        if (!waiters.delete(waiter)) return;
        reject(new Error(`Worker ${config.name} did not print ${String(pattern)} within ${timeoutMs} ms`));
      }, reject);
    });
  }

  const escapedReadyLine = workerReadyLine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ready = waitForLine(new RegExp(`^${escapedReadyLine}$`)).then(() => undefined);
  // A test that never awaits `ready` after a failure must not see an unhandled rejection.
  ready.catch(() => undefined);

  return {
    name: config.name,
    pid,
    ready,
    exited,
    exit: () => finished,
    output: () => output,
    waitForLine,
    holdNextStep() {
      if (finished === undefined) child.kill(holdStepSignal);
    },
    async kill() {
      if (finished === undefined) child.kill('SIGKILL');
      return exited;
    },
    async stop(timeoutMs = 10_000) {
      if (finished !== undefined) return finished;
      child.kill('SIGTERM');
      const exit = await Promise.race([exited, wait(timeoutMs).then(() => undefined)]);
      if (exit !== undefined) return exit;
      output += `\n[test] ${config.name} did not stop within ${timeoutMs} ms of SIGTERM: killed\n`;
      return this.kill();
    },
  };
}

/**
 * The worker processes of one test: started together, reported together when the test
 * fails, and never left running after it.
 */
export class WorkerProcesses {
  readonly #workers: WorkerProcess[] = [];

  start(config: WorkerConfig): WorkerProcess {
    const worker = startWorker(config);
    this.#workers.push(worker);
    return worker;
  }

  list(): readonly WorkerProcess[] {
    return this.#workers;
  }

  /** Waits until every worker is ready, or fails with the output of the one that was not. */
  async ready(timeoutMs: number): Promise<void> {
    const timeout = wait(timeoutMs).then(() => {
      throw new Error(`Workers not ready within ${timeoutMs} ms`);
    });
    await Promise.race([Promise.all(this.#workers.map((worker) => worker.ready)), timeout]);
  }

  /** Each worker's pid, how it ended, and its output: what to read when a test fails. */
  report(): string {
    return this.#workers
      .map((worker) => {
        const exit = worker.exit();
        const state = exit === undefined ? 'running' : describeExit(exit);
        return `--- worker ${worker.name} (pid ${worker.pid}, ${state}) ---\n${worker.output() || '(no output)\n'}`;
      })
      .join('');
  }

  /** Stops the workers still running, gracefully where they manage to. */
  async stopAll(timeoutMs?: number): Promise<Exit[]> {
    return Promise.all(this.#workers.map((worker) => worker.stop(timeoutMs)));
  }
}
