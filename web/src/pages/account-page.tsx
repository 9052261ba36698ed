/** /account: who you are, invitations waiting for you, your workspaces (and a new one), change password, log out. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout, Loading } from '../components/layout.js';
import { ApiError, asApiError } from '../lib/api.js';
import { setTitle } from '../lib/format.js';
import { navigate, workspacePath } from '../lib/router.js';
import { authed, loadMe, logOut, PASSWORD_MIN, useLoggedIn } from '../lib/session.js';
import type { MyInvitation, Workspace } from '../lib/types.js';

const ROLE_WORDS = { owner: 'owner', editor: 'editor', viewer: 'viewer' } as const;

export default function AccountPage() {
  const me = useLoggedIn();
  useEffect(() => setTitle('Your account'), []);
  if (!me) return <Layout>{<Loading />}</Layout>;
  return (
    <Layout>
      <section class="card" aria-labelledby="account-title">
        <p class="eyebrow">Your account</p>
        <h1 id="account-title">{me.user.name}</h1>
        <p class="muted">{me.user.email}</p>
        <button type="button" class="btn secondary" onClick={() => void logOut().catch(() => undefined).then(() => navigate('/'))}>
          Log out
        </button>
      </section>
      <InvitationsCard />
      <WorkspacesCard workspaces={me.workspaces} />
      <PasswordCard />
    </Layout>
  );
}

/** Shown only while some invitation waits; accepting is the only way into someone else's workspace. */
function InvitationsCard() {
  const [invitations, setInvitations] = useState<MyInvitation[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const reload = useCallback(async () => {
    try {
      setInvitations((await authed<{ invitations: MyInvitation[] }>('GET', '/v1/me/invitations')).invitations);
    } catch (err) {
      setError(asApiError(err));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  async function answer(i: MyInvitation, verb: 'accept' | 'decline') {
    setBusy(true);
    setError(null);
    setSaid('');
    try {
      await authed('POST', `/v1/me/invitations/${encodeURIComponent(i.id)}/${verb}`);
      if (verb === 'accept') await loadMe(true);
      setSaid(verb === 'accept' ? `You joined ${i.workspace.name} as ${ROLE_WORDS[i.role]}.` : `You declined the invitation to ${i.workspace.name}.`);
      await reload();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  if (invitations.length === 0 && !said && !error) return null;
  return (
    <section class="card" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <ul class="member-list" data-testid="my-invitations">
        {invitations.map((i) => (
          <li key={i.id} class="member-row">
            <span class="member-who">
              <strong>{i.workspace.name}</strong>
              <span class="muted small">as {ROLE_WORDS[i.role]}</span>
            </span>
            <span class="member-actions">
              <button type="button" class="btn secondary small" disabled={busy} onClick={() => void answer(i, 'accept')} aria-label={`Accept the invitation to ${i.workspace.name}`}>
                Accept
              </button>
              <button type="button" class="btn danger-outline small" disabled={busy} onClick={() => void answer(i, 'decline')} aria-label={`Decline the invitation to ${i.workspace.name}`}>
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
      <p class="said" role="status">
        {said}
      </p>
      {error && <ErrorNotice error={error} />}
    </section>
  );
}

function WorkspacesCard({ workspaces }: { workspaces: Workspace[] }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function create(e: Event) {
    e.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const r = await authed<{ workspace: Workspace }>('POST', '/v1/workspaces', { body: { name: name.trim() } });
      await loadMe(true);
      navigate(workspacePath(r.workspace.id));
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-labelledby="ws-title">
      <h2 id="ws-title">Workspaces</h2>
      <ul class="plain-list">
        {workspaces.map((w) => (
          <li key={w.id}>
            <a href={workspacePath(w.id)}>{w.name}</a> <span class="muted small">({ROLE_WORDS[w.role]})</span>
          </li>
        ))}
      </ul>
      <form class="inline-form" onSubmit={create}>
        <div class="field">
          <label for="new-workspace">New workspace</label>
          <input id="new-workspace" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Team or event name" />
        </div>
        <button type="submit" class="btn secondary" disabled={busy || !name.trim()}>
          Create workspace
        </button>
      </form>
      {error && <ErrorNotice error={error} />}
    </section>
  );
}

function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setSaid('');
    if (next.length < PASSWORD_MIN) return setError(new ApiError(422, 'weak_password', { status: 422, code: 'weak_password' }, null));
    setBusy(true);
    setError(null);
    try {
      await authed('POST', '/v1/me/password', { body: { currentPassword: current, newPassword: next } });
      setCurrent('');
      setNext('');
      setSaid('Password changed. Other devices were logged out.');
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }
  const invalid = (code: string) => (error?.code === code ? { 'aria-invalid': true, 'aria-describedby': 'password-error' } : {});
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="pw-title">
      <h2 id="pw-title">Change password</h2>
      <div class="field">
        <label for="current-password">Current password</label>
        <input id="current-password" type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} {...invalid('password_incorrect')} />
      </div>
      <div class="field">
        <label for="new-password">New password</label>
        <input id="new-password" type="password" autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} aria-describedby="new-password-hint" {...invalid('weak_password')} />
        <p id="new-password-hint" class="muted small">
          At least {PASSWORD_MIN} characters.
        </p>
      </div>
      {error && (
        <div id="password-error">
          <ErrorNotice error={error} />
        </div>
      )}
      <p class="said" role="status">
        {said}
      </p>
      <button type="submit" class="btn primary" disabled={busy || !current || !next}>
        Change password
      </button>
    </form>
  );
}
