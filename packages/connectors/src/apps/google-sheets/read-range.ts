import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { valuesUrl } from './sheets-url';

export const googleSheetsReadRangeConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default('https://sheets.googleapis.com'),
  spreadsheetId: z.string().min(1),
  /** An A1 range, e.g. `Sheet1!A1:D50` or `Sheet1`. */
  range: z.string().min(1),
  /** `FORMATTED_VALUE` as shown in the sheet, `UNFORMATTED_VALUE` as numbers, `FORMULA` as the formulas. */
  valueRenderOption: z.enum(['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA']).default('FORMATTED_VALUE'),
  /** Treat the first row as column names and also return the other rows as objects (`rows`). */
  headerRow: z.boolean().default(false),
});

type Cell = string | number | boolean | null;

const valueRangeSchema = z.object({
  range: z.string(),
  majorDimension: z.enum(['ROWS', 'COLUMNS']),
  // Google leaves `values` out when the range is empty.
  values: z.array(z.array(z.union([z.string(), z.number(), z.boolean()]))).optional(),
});

export interface GoogleSheetsReadRangeOutput {
  range: string;
  majorDimension: 'ROWS' | 'COLUMNS';
  values: Cell[][];
  /** With `headerRow`: the first row, as column names. */
  headers?: string[];
  /** With `headerRow`: every other row as `{ [column name]: cell }`. */
  rows?: Array<Record<string, Cell>>;
}

/**
 * Rows as objects keyed by the header row. Google trims empty cells at the end of a row,
 * so a short row gets null for its missing columns instead of losing the keys; a blank
 * header cell is named by its position so no column disappears.
 */
export function rowsAsObjects(values: readonly (readonly Cell[])[]): { headers: string[]; rows: Array<Record<string, Cell>> } {
  const [headerRow = [], ...dataRows] = values;
  const headers = headerRow.map((cell, index) => (cell === null || String(cell).trim() === '' ? `column${index + 1}` : String(cell)));
  const rows = dataRows.map((row) => Object.fromEntries(headers.map((header, index) => [header, row[index] ?? null])));
  return { headers, rows };
}

/** Reads the values of a range (spreadsheets.values.get). */
export const googleSheetsReadRangeNode = defineNode({
  type: 'googleSheets.readRange',
  version: 1,
  title: 'Read range',
  description: 'Reads the values of a range of a Google Sheets spreadsheet.',
  category: 'Google Sheets',
  icon: 'sheet',
  configSchema: googleSheetsReadRangeConfigSchema,
  sideEffects: false,
  sampleOutput: {
    range: 'Sheet1!A1:B3',
    majorDimension: 'ROWS',
    values: [
      ['Name', 'Email'],
      ['Ada', 'ada@example.com'],
    ],
  } satisfies GoogleSheetsReadRangeOutput,
  run: async (ctx): Promise<GoogleSheetsReadRangeOutput> => {
    const { config } = ctx;
    const { body } = await httpRequest(ctx, {
      url: valuesUrl(config.baseUrl, config.spreadsheetId, config.range),
      query: { valueRenderOption: config.valueRenderOption, majorDimension: 'ROWS' },
    });
    const parsed = valueRangeSchema.safeParse(body);
    if (!parsed.success) throw new FatalError('Google Sheets answered the read with an unexpected shape', { details: { issues: parsed.error.issues.map((issue) => issue.path.join('.')) } });
    const values = parsed.data.values ?? [];
    const output: GoogleSheetsReadRangeOutput = { range: parsed.data.range, majorDimension: parsed.data.majorDimension, values };
    return config.headerRow ? { ...output, ...rowsAsObjects(values) } : output;
  },
});
