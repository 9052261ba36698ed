/**
 * Export serializations. CSV (RFC 4180, CRLF, every cell quoted) with a header row; a cell that
 * starts with =, +, - or @ gets a leading ' so a spreadsheet does not run it as a formula. Several
 * chosen options are joined with "; " (texts) and ";" (ids). NDJSON: one JSON object per line.
 * A poll's export has the value column only for rating and nps questions and the voter column only
 * in `open` mode; an event's export always has both (empty where they do not apply), since its
 * questions differ, plus the question's position, id, text and kind first.
 */
import { Readable } from 'node:stream';
import type { EventAnswer } from '../core/event-service.js';
import type { ExportedAnswer } from '../core/vote-export.js';

export const EXPORT_FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  ndjson: { type: 'application/x-ndjson', ext: 'ndjson' },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

const cell = (v: string): string => '"' + (/^[=+\-@]/.test(v) ? "'" + v : v).replace(/"/g, '""') + '"';

/** Which optional columns a poll's export has. */
export interface PollColumns {
  value: boolean;
  voter: boolean;
}

export function csvHeader(cols: PollColumns): string {
  return ['receipt_id', 'option_ids', 'options', ...(cols.value ? ['value'] : []), 'cast_at', ...(cols.voter ? ['voter_id'] : [])].map(cell).join(',') + '\r\n';
}

const answerCells = (r: ExportedAnswer, cols: PollColumns): string[] => [
  r.receiptId,
  r.optionIds.join(';'),
  r.options.join('; '),
  ...(cols.value ? [r.value === undefined ? '' : String(r.value)] : []),
  new Date(r.at).toISOString(),
  ...(cols.voter ? [r.voterId ?? ''] : []),
];

export function csvRows(rows: ExportedAnswer[], cols: PollColumns): string {
  let out = '';
  for (const r of rows) out += answerCells(r, cols).map(cell).join(',') + '\r\n';
  return out;
}

const answerJson = (r: ExportedAnswer) => ({
  receiptId: r.receiptId,
  optionIds: r.optionIds,
  options: r.options,
  ...(r.value === undefined ? {} : { value: r.value }),
  castAt: new Date(r.at).toISOString(),
  ...(r.voterId === undefined ? {} : { voterId: r.voterId }),
});

export function ndjsonRows(rows: ExportedAnswer[]): string {
  let out = '';
  for (const r of rows) out += JSON.stringify(answerJson(r)) + '\n';
  return out;
}

const EVENT_COLUMNS: PollColumns = { value: true, voter: true };

export function eventCsvHeader(): string {
  return ['question_position', 'question_id', 'question', 'kind'].map(cell).join(',') + ',' + csvHeader(EVENT_COLUMNS);
}

export function eventCsvRows(rows: EventAnswer[]): string {
  let out = '';
  for (const r of rows) out += [String(r.position), r.questionId, r.question, r.kind, ...answerCells(r, EVENT_COLUMNS)].map(cell).join(',') + '\r\n';
  return out;
}

export function eventNdjsonRows(rows: EventAnswer[]): string {
  let out = '';
  for (const r of rows) out += JSON.stringify({ questionPosition: r.position, questionId: r.questionId, question: r.question, kind: r.kind, ...answerJson(r) }) + '\n';
  return out;
}

/** A byte stream: the header, then one chunk per page; pulled only as fast as the client reads. */
function pageStream<T>(header: string, pages: AsyncIterable<T[]>, render: (page: T[]) => string): Readable {
  async function* chunks(): AsyncGenerator<string> {
    if (header) yield header;
    for await (const page of pages) yield render(page);
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
}

export function exportStream(format: ExportFormat, pages: AsyncIterable<ExportedAnswer[]>, cols: PollColumns): Readable {
  return format === 'csv' ? pageStream(csvHeader(cols), pages, (p) => csvRows(p, cols)) : pageStream('', pages, ndjsonRows);
}

export function eventExportStream(format: ExportFormat, pages: AsyncIterable<EventAnswer[]>): Readable {
  return format === 'csv' ? pageStream(eventCsvHeader(), pages, eventCsvRows) : pageStream('', pages, eventNdjsonRows);
}
