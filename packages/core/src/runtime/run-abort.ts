/**
 * Aborts the steps of one run's advance. The AbortSignal is only built when a step
 * reads `ctx.signal`: an AbortController with a listener costs several µs, and most
 * steps never look at it.
 */
export class RunAbort {
  aborted = false;
  reason: unknown;
  private controller: AbortController | undefined;

  constructor(private readonly onAbort: () => void) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.onAbort();
  }
}
