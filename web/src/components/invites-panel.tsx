/**
 * The manage page's invite codes (invite polls): generate N one-time codes, then download them as
 * CSV (with a vote link each). The server keeps no list: the codes are shown only in this answer.
 */
import { useState } from 'preact/hooks';
import { ApiError, asApiError, type CallOptions } from '../lib/api.js';
import { download, invitesCsv } from '../lib/csv.js';
import { plural } from '../lib/format.js';
import type { Poll } from '../lib/types.js';
import { ErrorNotice } from './error-notice.js';

export type ManageCall = <T>(method: string, path: string, opts?: CallOptions) => Promise<T>;

const MAX = 100_000;
const SHOWN = 1_000;

export function InvitesPanel({ poll, call }: { poll: Poll; call: ManageCall }) {
  const [count, setCount] = useState('10');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [issued, setIssued] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const n = Math.floor(Number(count));
  const valid = Number.isFinite(n) && n >= 1 && n <= MAX;

  async function generate(e: Event) {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call<{ codes: string[]; issued: number }>('POST', `/v1/polls/${poll.id}/invites`, { body: { count: n } });
      setCodes(r.codes);
      setIssued(r.issued);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }
  const save = () => codes && download(`pollcast-${poll.id}-invites.csv`, invitesCsv(poll, codes, location.origin));

  return (
    <section class="invites" aria-labelledby="invites-title">
      <h2 id="invites-title">Invite codes</h2>
      <p class="muted">Each code is good for one vote. Hand them out, or send each person their vote link.</p>
      <form class="inline-form" onSubmit={generate} noValidate>
        <div class="field">
          <label for="invite-count">How many codes</label>
          <input
            id="invite-count"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX}
            value={count}
            onInput={(e) => setCount(e.currentTarget.value)}
            aria-invalid={valid ? undefined : true}
          />
        </div>
        <button type="submit" class="btn secondary" disabled={busy || !valid}>
          {busy ? 'Generating…' : `Generate ${valid ? plural(n, 'code', 'codes') : 'codes'}`}
        </button>
      </form>
      {error && <ErrorNotice error={error} />}
      {codes && (
        <div class="notice warn" role="status" data-testid="invite-result">
          <h3 class="notice-title">
            {plural(codes.length, 'new code', 'new codes')} ({plural(issued ?? codes.length, 'code', 'codes')} issued in all)
          </h3>
          <p>They are shown only now: download them before you leave this page.</p>
          <button type="button" class="btn primary" onClick={save}>
            Download codes (CSV)
          </button>
          {codes.length <= SHOWN && (
            <div class="field">
              <label for="invite-codes">Codes</label>
              <textarea id="invite-codes" readOnly rows={Math.min(8, codes.length)} value={codes.join('\n')} data-testid="invite-codes" onFocus={(e) => e.currentTarget.select()} />
            </div>
          )}
        </div>
      )}
    </section>
  );
}
