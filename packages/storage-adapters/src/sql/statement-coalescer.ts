interface Waiting<In, Out> {
  input: In;
  key: string | undefined;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

/** A batch's answer for one input that failed on its own: that input's promise rejects with `error`. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export interface StatementCoalescerOptions<In, Out> {
  /** Writes a batch in one statement; answers one result per input, in order (an `ItemFailure` for an input that failed alone). */
  writeBatch: (inputs: readonly In[]) => Promise<ReadonlyArray<Out | ItemFailure>>;
  /** Writes one input alone: a batch that failed is written again this way, so that only the bad input fails. */
  writeOne: (input: In) => Promise<Out>;
  /** The most inputs in one statement. */
  maxBatch: number;
}

/**
 * Group commit at the application's level: inputs submitted while a batch is being
 * written wait and go together in the next statement, so that 16 runs in flight share
 * a round trip, a plan and a flush to disk instead of taking one each. An idle lane
 * writes at once (no timer, no added latency); the busier it is, the larger its batches.
 * Two inputs with one key (two appends to one run) never share a batch: the second goes
 * in the next. Reads batch the same way: a statement issued after every request of its
 * batch was made sees at least what each request would have seen alone.
 */
export class StatementCoalescer<In, Out> {
  readonly #options: StatementCoalescerOptions<In, Out>;
  #waiting: Waiting<In, Out>[] = [];
  #writing = false;

  constructor(options: StatementCoalescerOptions<In, Out>) {
    this.#options = options;
  }

  /** Writes `input` in the next batch that holds no other input with its `key` (any batch when there is none). */
  submit(key: string | undefined, input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ input, key, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        // A microtask later, so that the writes a run's step makes in one go share the first batch too.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) await this.#write(this.#take());
    this.#writing = false;
  }

  /** The next batch: the oldest inputs, one per key, at most `maxBatch`. */
  #take(): Waiting<In, Out>[] {
    const batch: Waiting<In, Out>[] = [];
    const keys = new Set<string>();
    const rest: Waiting<In, Out>[] = [];
    for (const waiting of this.#waiting) {
      if (batch.length < this.#options.maxBatch && (waiting.key === undefined || !keys.has(waiting.key))) {
        if (waiting.key !== undefined) keys.add(waiting.key);
        batch.push(waiting);
      } else rest.push(waiting);
    }
    this.#waiting = rest;
    return batch;
  }

  async #write(batch: Waiting<In, Out>[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [Waiting<In, Out>];
      await this.#options.writeOne(only.input).then(only.resolve, only.reject);
      return;
    }
    let results: ReadonlyArray<Out | ItemFailure>;
    try {
      results = await this.#options.writeBatch(batch.map((waiting) => waiting.input));
    } catch {
      // One input the database refuses must not fail the others: each goes alone.
      await Promise.all(batch.map((waiting) => this.#options.writeOne(waiting.input).then(waiting.resolve, waiting.reject)));
      return;
    }
    batch.forEach((waiting, index) => {
      const result = results[index];
      if (result instanceof ItemFailure) waiting.reject(result.error);
      else waiting.resolve(result as Out);
    });
  }
}
