/**
 * /p/{pollId}/manage: the owner's page: open, close, reopen, delete, copy link, export CSV, invite codes.
 * A quick poll is managed with its owner token, kept in this browser's localStorage; `#owner=<token>`
 * (the owner link) brings it to another browser without ever sending it in a URL the server sees.
 * A workspace poll is managed with the logged-in session (and its CSRF token) of an editor or owner.
 */
import { useEffect, useState } from 'preact/hooks';
import { copyText } from '../components/copy-field.js';
import { ErrorNotice } from '../components/error-notice.js';
import { InvitesPanel, type ManageCall } from '../components/invites-panel.js';
import { Layout, Loading } from '../components/layout.js';
import { api, apiBlob, ApiError, asApiError } from '../lib/api.js';
import { download, downloadBlob, resultsCsv } from '../lib/csv.js';
import { formatTime, setTitle } from '../lib/format.js';
import { formatJoinCode } from '../lib/join-code.js';
import { navigate, pollPath, workspacePath } from '../lib/router.js';
import { authed, loginPath, useMe } from '../lib/session.js';
import { ownerToken, saveOwnerToken } from '../lib/storage.js';
import type { Poll, Results } from '../lib/types.js';
import { usePoll } from '../lib/use-poll.js';
import { LiveResultsView } from './results-page.js';
import { voteUrl } from './share-page.js';

function takeOwnerFromHash(pollId: string): void {
  const m = /^#owner=(pco_[\w-]+)$/.exec(location.hash);
  if (!m) return;
  saveOwnerToken(pollId, m[1]!);
  history.replaceState(null, '', location.pathname);
}

const STATUS_WORDS = { draft: 'Not open yet (draft)', open: 'Open for voting', closed: 'Closed' } as const;
const IDENTITY_WORDS = { device: 'one vote per device', account: 'one vote per logged-in account', invite: 'one vote per invite code', open: 'one vote per name or ID' } as const;

export default function ManagePage({ pollId }: { pollId: string }) {
  takeOwnerFromHash(pollId);
  const { poll, error, loading, setPoll, reload } = usePoll(pollId);
  const [token, setToken] = useState(() => ownerToken(pollId));
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [said, setSaid] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [pasted, setPasted] = useState('');
  const inWorkspace = poll ? poll.workspaceId !== null : false;
  const me = useMe(inWorkspace);
  useEffect(() => setTitle(poll ? `Manage: ${poll.question}` : 'Manage'), [poll]);

  if (!poll) return <Layout>{error ? <ErrorNotice error={error} /> : loading ? <Loading /> : null}</Layout>;
  const auth = token ? { authorization: `Bearer ${token}` } : undefined;
  /** A management call: with the session for a workspace poll, with the owner token for a quick poll. */
  const call: ManageCall = (method, path, opts = {}) => (inWorkspace ? authed(method, path, opts) : api(method, path, { ...opts, headers: { ...auth, ...opts.headers } }));

  async function act(fn: () => Promise<void>) {
    setBusy(true);
    setActionError(null);
    setSaid('');
    try {
      await fn();
    } catch (err) {
      const e = asApiError(err);
      setActionError(e);
      if (e.code === 'invalid_transition') await reload();
    } finally {
      setBusy(false);
    }
  }
  const setStatus = (action: 'open' | 'close') =>
    act(async () => {
      const r = await call<{ poll: Poll }>('POST', `/v1/polls/${poll.id}/${action}`);
      setPoll(r.poll);
      setSaid(action === 'open' ? 'The poll is open.' : 'The poll is closed.');
    });
  const remove = () =>
    act(async () => {
      await call('DELETE', `/v1/polls/${poll.id}`);
      saveOwnerToken(poll.id, null);
      navigate(poll.workspaceId ? workspacePath(poll.workspaceId) : '/', true);
    });
  /** Every counted answer, streamed by the server (GET /v1/polls/{id}/export). */
  const exportAnswers = () =>
    act(async () => {
      downloadBlob(`pollcast-${poll.id}-answers.csv`, await apiBlob(`/v1/polls/${poll.id}/export?format=csv`, inWorkspace ? {} : { ...auth }));
      setSaid('Answers downloaded as CSV.');
    });
  const exportCsv = () =>
    act(async () => {
      const q = token ? `?ownerToken=${encodeURIComponent(token)}` : '';
      const r = await api<Results>('GET', `/v1/polls/${poll.id}/results${q}`);
      download(`pollcast-${poll.id}-results.csv`, resultsCsv(poll, r));
      setSaid('Results downloaded as CSV.');
    });
  const copyLink = async () => setSaid((await copyText(voteUrl(poll.id))) ? 'Vote link copied.' : `Copy this link: ${voteUrl(poll.id)}`);
  const copyOwnerLink = async () =>
    setSaid((await copyText(`${location.origin}${pollPath(poll.id, 'manage')}#owner=${token}`)) ? 'Owner link copied. Keep it secret: it manages the poll.' : 'Copying is blocked here.');

  if (inWorkspace && me === null) {
    return (
      <Layout>
        <div class="card">
          <h1>Manage “{poll.question}”</h1>
          <p>This poll belongs to a workspace: its editors and owners manage it when logged in.</p>
          <a class="btn primary" href={loginPath()}>
            Log in to manage it
          </a>
        </div>
      </Layout>
    );
  }
  if (inWorkspace && me === undefined) return <Layout>{<Loading />}</Layout>;

  if (!token && !inWorkspace) {
    return (
      <Layout>
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            const t = pasted.trim();
            if (!t) return;
            saveOwnerToken(poll.id, t);
            setToken(t);
          }}
        >
          <h1>Manage “{poll.question}”</h1>
          <ErrorNotice error={new ApiError(401, 'owner_token_required', { status: 401, code: 'owner_token_required' }, null)} />
          <div class="field">
            <label for="owner-token">Owner token</label>
            <input id="owner-token" value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} autoComplete="off" placeholder="pco_…" />
          </div>
          <button class="btn primary" type="submit">
            Use this token
          </button>
        </form>
      </Layout>
    );
  }

  return (
    <Layout wide>
      <article class="card manage">
        <p class="eyebrow">Manage poll</p>
        <h1 class="question">{poll.question}</h1>
        <dl class="facts">
          <dt>Status</dt>
          <dd data-testid="poll-status">{STATUS_WORDS[poll.status]}</dd>
          <dt>Join code</dt>
          <dd>
            <span class="code">{formatJoinCode(poll.id)}</span>
          </dd>
          {poll.opensAt && (
            <>
              <dt>Opens</dt>
              <dd>{formatTime(poll.opensAt)}</dd>
            </>
          )}
          {poll.closesAt && (
            <>
              <dt>Closes</dt>
              <dd>{formatTime(poll.closesAt)}</dd>
            </>
          )}
          <dt>Results</dt>
          <dd>{{ live: 'everyone, live', after_close: 'everyone, after closing', owner_only: inWorkspace ? 'workspace members' : 'only you' }[poll.resultsVisibility]}</dd>
          <dt>Voters</dt>
          <dd>
            {IDENTITY_WORDS[poll.identityMode]}
            {poll.access === 'workspace' ? ', workspace members only' : ''}
            {poll.ipCap !== null ? `, at most ${poll.ipCap} per network address` : ''}
            {poll.powDifficulty > 0 && poll.identityMode === 'device' ? ', anti-bot check' : ''}
          </dd>
          {poll.workspaceId && (
            <>
              <dt>Workspace</dt>
              <dd>
                <a href={workspacePath(poll.workspaceId)}>All polls of the workspace</a>
              </dd>
            </>
          )}
        </dl>
        <div class="actions" role="group" aria-label="Poll actions">
          {poll.status === 'draft' && (
            <button class="btn primary" disabled={busy} onClick={() => setStatus('open')}>
              Open voting
            </button>
          )}
          {poll.status === 'open' && (
            <button class="btn primary" disabled={busy} onClick={() => setStatus('close')}>
              Close voting
            </button>
          )}
          {poll.status === 'closed' && (
            <button class="btn primary" disabled={busy} onClick={() => setStatus('open')}>
              Reopen voting
            </button>
          )}
          <button class="btn secondary" onClick={copyLink}>
            Copy link
          </button>
          <button class="btn secondary" disabled={busy} onClick={exportAnswers}>
            Export CSV
          </button>
          <button class="btn secondary" disabled={busy} onClick={exportCsv}>
            Results CSV
          </button>
          <a class="btn secondary" href={pollPath(poll.id, 'present')}>
            Presenter mode
          </a>
          <a class="btn secondary" href={pollPath(poll.id, 'analytics')}>
            Analytics
          </a>
          <a class="btn secondary" href={pollPath(poll.id, 'share')}>
            Share
          </a>
        </div>
        <p class="said" role="status">
          {said}
        </p>
        {actionError && <ErrorNotice error={actionError} />}
        {poll.identityMode === 'invite' && <InvitesPanel poll={poll} call={call} />}
        <h2>Results</h2>
        <LiveResultsView poll={poll} owner={token} />
        <div class="danger-zone">
          {!inWorkspace && (
            <button class="btn link" onClick={copyOwnerLink}>
              Copy owner link (to manage from another device)
            </button>
          )}
          {confirmDelete ? (
            <div class="confirm" role="group" aria-label="Confirm delete">
              <span>Delete this poll and all its votes? This cannot be undone.</span>
              <button class="btn danger" disabled={busy} onClick={remove}>
                Yes, delete
              </button>
              <button class="btn secondary" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </div>
          ) : (
            <button class="btn danger-outline" onClick={() => setConfirmDelete(true)}>
              Delete poll
            </button>
          )}
        </div>
      </article>
    </Layout>
  );
}
