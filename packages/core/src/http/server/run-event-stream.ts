import type { Engine } from '../../runtime/engine';
import { isoTime } from '../contract/common-schemas';

const finalEvents = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);
const keepAliveMs = 15_000;

export interface RunEventStreamOptions {
  tenantId: string;
  runId: string;
  /** Sends events after this sequence number (from `Last-Event-ID`). */
  afterSeq: number;
  /** Re-reads the store this often, for events other workers stored. */
  pollMs: number;
  signal: AbortSignal;
}

/**
 * A run's events as Server-Sent Events. The store is the source: this engine's events
 * only wake the reader early, and a poll picks up what other processes append, so the
 * stream is complete and in order however many workers advance the run. It ends after
 * the run's final event.
 */
export function runEventStream(engine: Engine, options: RunEventStreamOptions): Response {
  const encoder = new TextEncoder();
  const ctx = { tenantId: options.tenantId };
  let closed = false;
  let wake: (() => void) | undefined;
  // Set by an event that arrives while the store is being read, so the next wait is skipped.
  let dirty = false;
  const unsubscribe = engine.on('event', (payload) => {
    if (payload.runId !== options.runId || payload.tenantId !== options.tenantId) return;
    dirty = true;
    wake?.();
  });
  // Called by the abort, the client's cancel and the loop's end, in any order: once is enough.
  const stop = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    options.signal.removeEventListener('abort', stop);
    wake?.();
  };
  options.signal.addEventListener('abort', stop, { once: true });

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastSeq = options.afterSeq;
      let sinceKeepAlive = 0;
      controller.enqueue(encoder.encode(`retry: ${Math.max(options.pollMs, 1_000)}\n\n`));
      try {
        while (!closed) {
          dirty = false;
          const events = await engine.runs.events(ctx, options.runId, lastSeq);
          let finished = false;
          for (const stored of events) {
            const data = JSON.stringify({ runId: options.runId, seq: stored.seq, at: isoTime(stored.at), type: stored.event.type, event: stored.event });
            controller.enqueue(encoder.encode(`id: ${stored.seq}\nevent: ${stored.event.type}\ndata: ${data}\n\n`));
            lastSeq = stored.seq;
            if (finalEvents.has(stored.event.type)) finished = true;
          }
          if (finished) break;
          if (events.length > 0) sinceKeepAlive = 0;
          else if ((sinceKeepAlive += options.pollMs) >= keepAliveMs) {
            controller.enqueue(encoder.encode(': keep-alive\n\n'));
            sinceKeepAlive = 0;
          }
          if (dirty || closed) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, options.pollMs);
            function done(): void {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            }
            wake = done;
          });
        }
      } catch {
        // The store failed mid-stream: end it; the client reconnects with Last-Event-ID.
      } finally {
        stop();
        try {
          controller.close();
        } catch {
          // Already closed by a cancel.
        }
      }
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' } });
}
