import { defineTrigger, FatalError, type PollContext, type PollResult } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest, type HttpContext } from '../../sdk/http-request';
import { rowsAsObjects } from './read-range';
import { valuesUrl } from './sheets-url';

export const googleSheetsNewRowsConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default('https://sheets.googleapis.com'),
  spreadsheetId: z.string().min(1),
  /** The sheet (tab) name, e.g. `Sheet1`. */
  sheet: z.string().min(1),
  /** Row 1 holds column names: each new row becomes `{ [column name]: cell }`; otherwise it is keyed by column letter. */
  headerRow: z.boolean().default(true),
  /** Google allows 60 reads a minute per user, so once a minute by default. */
  pollIntervalMs: z.number().int().min(10).default(60_000),
});

export type GoogleSheetsNewRowsConfig = z.output<typeof googleSheetsNewRowsConfigSchema>;

type Cell = string | number | boolean | null;

/** What a run gets: the row's cells by column name (or letter) and its row number in the sheet. */
export type GoogleSheetsNewRow = Record<string, Cell> & { rowNumber: number };

const valueRangeSchema = z.object({
  range: z.string(),
  // Google leaves `values` out when the sheet is empty.
  values: z.array(z.array(z.union([z.string(), z.number(), z.boolean()]))).optional(),
});

/**
 * `seenThroughRow`: the last row number already seen. `resets`: how often rows were
 * deleted under the cursor; it goes into item ids so that a row re-filled at a number
 * already emitted is not taken for the old row by the engine's dedupe.
 */
const cursorSchema = z.object({ seenThroughRow: z.number().int().min(0), resets: z.number().int().min(0) });
type Cursor = z.infer<typeof cursorSchema>;

/** `'It''s'!A:ZZ`: quoting is always valid A1 and keeps spaces and `!` in a sheet name from breaking the range. */
function sheetRange(sheet: string): string {
  return `'${sheet.replaceAll("'", "''")}'!A:ZZ`;
}

/** The row number the returned range starts at (`'Sheet1'!A1:ZZ1000` → 1), so row numbers match the sheet. */
function firstRowOf(range: string): number {
  const cells = range.slice(range.lastIndexOf('!') + 1);
  const match = /^[A-Za-z]*(\d+)/.exec(cells);
  return match?.[1] ? Number(match[1]) : 1;
}

/** A, B, ..., Z, AA, AB, ...: the keys of a row when the sheet has no header row. */
function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

function isBlank(row: readonly Cell[]): boolean {
  return row.every((cell) => cell === null || String(cell).trim() === '');
}

function itemId(config: GoogleSheetsNewRowsConfig, rowNumber: number, resets: number): string {
  const id = `${config.spreadsheetId}:${config.sheet}:${rowNumber}`;
  return resets === 0 ? id : `${id}:r${resets}`;
}

/**
 * Polls a sheet for rows added below the last one seen. The first poll takes the rows
 * already there as a baseline and starts no run (as users of "new row" triggers expect:
 * enabling it must not replay the whole sheet). Google trims trailing empty rows, so the
 * sheet's row count is where new rows begin. Limits, by the API's nature: a row is new as
 * soon as its first cell is filled, and rows deleted and added between two polls that
 * leave the count unchanged go unnoticed (there is no change feed for values).
 */
export async function pollNewRows(ctx: PollContext<GoogleSheetsNewRowsConfig>): Promise<PollResult> {
  const { config } = ctx;
  const http: HttpContext = ctx.connection ? { signal: ctx.signal, idempotencyKey: 'poll', connection: ctx.connection } : { signal: ctx.signal, idempotencyKey: 'poll' };
  const { body } = await httpRequest(http, {
    url: valuesUrl(config.baseUrl, config.spreadsheetId, sheetRange(config.sheet)),
    query: { majorDimension: 'ROWS' },
  });
  const parsed = valueRangeSchema.safeParse(body);
  if (!parsed.success) throw new FatalError('Google Sheets answered the read with an unexpected shape', { details: { issues: parsed.error.issues.map((issue) => issue.path.join('.')) } });
  const values = parsed.data.values ?? [];
  const firstRow = firstRowOf(parsed.data.range);
  const lastRow = values.length === 0 ? 0 : firstRow + values.length - 1;

  const previous = cursorSchema.safeParse(ctx.cursor);
  // First poll (or a cursor this version cannot read): baseline, no runs.
  if (!previous.success) return { items: [], cursor: { seenThroughRow: lastRow, resets: 0 } satisfies Cursor };
  const { seenThroughRow, resets } = previous.data;
  if (lastRow < seenThroughRow) return { items: [], cursor: { seenThroughRow: lastRow, resets: resets + 1 } satisfies Cursor };

  // The header row is never a data row, even when it is added after the baseline of an empty sheet.
  const headerRowNumber = config.headerRow ? firstRow : firstRow - 1;
  const headerCells = config.headerRow ? (values[0] ?? []) : [];
  const items: Array<{ id: string; data: GoogleSheetsNewRow }> = [];
  for (let rowNumber = Math.max(seenThroughRow, headerRowNumber) + 1; rowNumber <= lastRow; rowNumber++) {
    const row = values[rowNumber - firstRow] ?? [];
    // Google returns a blank row between filled ones as []; it is no one's new entry.
    if (isBlank(row)) continue;
    const cells = config.headerRow
      ? (rowsAsObjects([headerCells, row]).rows[0] ?? {})
      : Object.fromEntries(row.map((cell, index) => [columnLetter(index), cell]));
    items.push({ id: itemId(config, rowNumber, resets), data: { ...cells, rowNumber } });
  }
  return { items, cursor: { seenThroughRow: lastRow, resets } satisfies Cursor };
}

/** Starts a run for each row added to a sheet (spreadsheets.values.get, polled). */
export const googleSheetsNewRowsTrigger = defineTrigger({
  type: 'googleSheets.newRows',
  version: 1,
  title: 'New rows',
  description: 'Starts a run for each row added to a sheet of a Google Sheets spreadsheet.',
  category: 'Google Sheets',
  icon: 'sheet',
  source: 'poll',
  configSchema: googleSheetsNewRowsConfigSchema,
  sideEffects: false,
  pollIntervalMs: 60_000,
  pollEmits: 'item',
  sampleOutput: { Name: 'Ada', Email: 'ada@example.com', rowNumber: 4 } satisfies GoogleSheetsNewRow,
  poll: pollNewRows,
});
