/** Results (one row per option, then the total) and invite codes as CSV (RFC 4180). */
import { percent } from './format.js';
import type { Poll, Results } from './types.js';

const cell = (v: string | number): string => {
  const s = String(v);
  // Quote always; a leading =, +, - or @ is prefixed so spreadsheets do not run it as a formula.
  return '"' + (/^[=+\-@]/.test(s) ? "'" + s : s).replace(/"/g, '""') + '"';
};

export function resultsCsv(poll: Poll, results: Results): string {
  const counts = new Map(results.options.map((o) => [o.id, o.votes]));
  const rows: Array<Array<string | number>> = [['question', 'option', 'votes', 'percent_of_voters']];
  for (const o of poll.options) {
    const v = counts.get(o.id) ?? 0;
    rows.push([poll.question, o.text, v, percent(v, results.total)]);
  }
  rows.push([poll.question, '(voters)', results.total, 100]);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Invite codes with a vote link each (the code rides in the #fragment, which no server sees). */
export function invitesCsv(poll: Poll, codes: string[], origin: string): string {
  const rows: Array<Array<string | number>> = [['question', 'invite_code', 'vote_link']];
  for (const c of codes) rows.push([poll.question, c, `${origin}/p/${poll.id}#invite=${c}`]);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function download(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  downloadBlob(filename, new Blob(['\ufeff' + text], { type }));
}

export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
