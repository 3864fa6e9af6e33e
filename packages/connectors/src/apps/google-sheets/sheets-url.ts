/**
 * The URL of a values resource: `/v4/spreadsheets/{id}/values/{range}`. The A1 range is
 * one path segment, so `Sheet1!A:C` and `'My Sheet'!A1` are percent-encoded (a `/` or
 * `?` in a sheet name would otherwise end the segment); a `:append` style method suffix
 * goes after the encoded segment, unencoded, as Google's custom-method syntax requires.
 */
export function valuesUrl(baseUrl: string, spreadsheetId: string, range: string, method = ''): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/v4/spreadsheets/${encodeURIComponent(spreadsheetId)}/values/${encodeURIComponent(range)}${method}`;
}
