/**
 * Export serializations. CSV (RFC 4180, CRLF, every cell quoted) with a header row; a cell that
 * starts with =, +, - or @ gets a leading ' so a spreadsheet does not run it as a formula. Several
 * chosen options are joined with "; " (texts) and ";" (ids). NDJSON: one JSON object per line.
 */
import { Readable } from 'node:stream';
import type { ExportedAnswer } from '../core/vote-export.js';

export const EXPORT_FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  ndjson: { type: 'application/x-ndjson', ext: 'ndjson' },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

const cell = (v: string): string => '"' + (/^[=+\-@]/.test(v) ? "'" + v : v).replace(/"/g, '""') + '"';

export function csvHeader(withVoter: boolean): string {
  return ['receipt_id', 'option_ids', 'options', 'cast_at', ...(withVoter ? ['voter_id'] : [])].map(cell).join(',') + '\r\n';
}

export function csvRows(rows: ExportedAnswer[]): string {
  let out = '';
  for (const r of rows) {
    out += [r.receiptId, r.optionIds.join(';'), r.options.join('; '), new Date(r.at).toISOString(), ...(r.voterId === undefined ? [] : [r.voterId])].map(cell).join(',') + '\r\n';
  }
  return out;
}

export function ndjsonRows(rows: ExportedAnswer[]): string {
  let out = '';
  for (const r of rows) {
    out += JSON.stringify({ receiptId: r.receiptId, optionIds: r.optionIds, options: r.options, castAt: new Date(r.at).toISOString(), ...(r.voterId === undefined ? {} : { voterId: r.voterId }) }) + '\n';
  }
  return out;
}

/** A byte stream of the export, one chunk per page; pulled only as fast as the client reads. */
export function exportStream(format: ExportFormat, pages: AsyncIterable<ExportedAnswer[]>, withVoter: boolean): Readable {
  async function* chunks(): AsyncGenerator<string> {
    if (format === 'csv') yield csvHeader(withVoter);
    for await (const page of pages) yield format === 'csv' ? csvRows(page) : ndjsonRows(page);
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
}
