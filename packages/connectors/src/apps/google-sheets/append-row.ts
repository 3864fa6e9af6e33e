import { defineNode, FatalError } from '@pipewright/core';
import { z } from 'zod';
import { httpRequest } from '../../sdk/http-request';
import { valuesUrl } from './sheets-url';

const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const googleSheetsAppendRowConfigSchema = z.object({
  connection: z.string().min(1),
  baseUrl: z.string().url().default('https://sheets.googleapis.com'),
  /** The id in the sheet's URL: `docs.google.com/spreadsheets/d/<id>/edit`. */
  spreadsheetId: z.string().min(1),
  /** An A1 range that names the table to append to, e.g. `Sheet1!A:C` or `Sheet1`. */
  range: z.string().min(1),
  /** One row, left to right. */
  values: z.array(cellSchema).min(1),
  /** `USER_ENTERED` parses `=SUM(A1:A3)` and `2024-01-31` as a user typing them would; `RAW` stores strings as they are. */
  valueInputOption: z.enum(['USER_ENTERED', 'RAW']).default('USER_ENTERED'),
});

const appendResponseSchema = z.object({
  spreadsheetId: z.string(),
  // Absent when the sheet had no table yet.
  tableRange: z.string().optional(),
  updates: z.object({
    spreadsheetId: z.string().optional(),
    updatedRange: z.string(),
    updatedRows: z.number(),
    updatedColumns: z.number(),
    updatedCells: z.number(),
  }),
});

export type GoogleSheetsAppendRowOutput = z.infer<typeof appendResponseSchema>;

/** Appends one row after the last row of the table found in `range` (spreadsheets.values.append). */
export const googleSheetsAppendRowNode = defineNode({
  type: 'googleSheets.appendRow',
  version: 1,
  title: 'Append row',
  description: 'Appends a row to a Google Sheets table.',
  category: 'Google Sheets',
  icon: 'sheet',
  configSchema: googleSheetsAppendRowConfigSchema,
  sideEffects: true,
  sampleOutput: {
    spreadsheetId: '1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms',
    tableRange: 'Sheet1!A1:C3',
    updates: { updatedRange: 'Sheet1!A4:C4', updatedRows: 1, updatedColumns: 3, updatedCells: 3 },
  } satisfies GoogleSheetsAppendRowOutput,
  run: async (ctx): Promise<GoogleSheetsAppendRowOutput> => {
    const { config } = ctx;
    const { body } = await httpRequest(ctx, {
      method: 'POST',
      url: valuesUrl(config.baseUrl, config.spreadsheetId, config.range, ':append'),
      // INSERT_ROWS shifts rows below the table down instead of overwriting them.
      query: { valueInputOption: config.valueInputOption, insertDataOption: 'INSERT_ROWS' },
      json: { values: [config.values] },
      // Sheets does not honour Idempotency-Key: a retried append after a lost reply adds the row twice either way.
      idempotencyHeader: false,
    });
    const parsed = appendResponseSchema.safeParse(body);
    if (!parsed.success) throw new FatalError('Google Sheets answered the append with an unexpected shape', { details: { issues: parsed.error.issues.map((issue) => issue.path.join('.')) } });
    return parsed.data;
  },
});
