import type { RunEvent, StoredRunEvent } from '@pipewright/core';

/**
 * How an append's events sit in `run_events`: one row per append, not per event. The
 * row's `seq` is its first event's; its `event` is that event's JSON when it is alone,
 * and a JSON array of the events, in order, when there are several (an event is always
 * an object, so the first character tells which). A run of ten steps appends eleven
 * events at once: one row costs one heap tuple, one index entry and one log record where
 * eleven rows cost eleven of each, which was most of the time PostgreSQL spent on a run.
 * The sequence guard on the run keeps appends from overlapping, so the rows' ranges
 * never do.
 */
export function eventRowOf(afterSeq: number, events: readonly RunEvent[]): { seq: number; event: string } {
  return { seq: afterSeq + 1, event: JSON.stringify(events.length === 1 ? events[0] : events) };
}

/** The stored events of rows read in `seq` order, those after `afterSeq` only (a row may start before it). */
export function storedEventsOf(rows: ReadonlyArray<{ seq: number | string; at: number | string; event: string }>, afterSeq: number): StoredRunEvent[] {
  const stored: StoredRunEvent[] = [];
  for (const row of rows) {
    const first = Number(row.seq);
    const at = Number(row.at);
    const parsed = JSON.parse(row.event) as RunEvent | RunEvent[];
    if (!Array.isArray(parsed)) {
      if (first > afterSeq) stored.push({ seq: first, at, event: parsed });
      continue;
    }
    parsed.forEach((event, index) => {
      if (first + index > afterSeq) stored.push({ seq: first + index, at, event });
    });
  }
  return stored;
}
