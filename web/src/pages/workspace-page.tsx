/**
 * /w/{workspaceId}: a workspace's polls (newest first, with links to vote, results and manage),
 * a new poll in it, its members (owners invite, change roles, remove; invitees accept on /account),
 * and for owners its webhook endpoints with their delivery logs and replay.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { WebhookDeliveries } from '../components/webhook-deliveries.js';
import { Layout, Loading } from '../components/layout.js';
import { ApiError, asApiError } from '../lib/api.js';
import { formatTime, setTitle } from '../lib/format.js';
import { navigate, pollPath, workspacePath } from '../lib/router.js';
import { authed, loadMe, useLoggedIn, type Me } from '../lib/session.js';
import type { Invitation, Member, Poll, Role, Workspace } from '../lib/types.js';

const STATUS_WORDS = { draft: 'Draft', open: 'Open', closed: 'Closed' } as const;
const ROLES: Array<{ role: Role; words: string }> = [
  { role: 'owner', words: 'Owner: polls, members, API keys' },
  { role: 'editor', words: 'Editor: creates and runs polls' },
  { role: 'viewer', words: 'Viewer: sees polls and results' },
];
const PAGE = 20;

export default function WorkspacePage({ workspaceId }: { workspaceId: string }) {
  const me = useLoggedIn();
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => setTitle(workspace ? workspace.name : 'Workspace'), [workspace]);
  useEffect(() => {
    if (!me) return;
    let live = true;
    authed<{ workspace: Workspace }>('GET', `/v1/workspaces/${encodeURIComponent(workspaceId)}`).then(
      (r) => live && setWorkspace(r.workspace),
      (err) => live && setError(asApiError(err)),
    );
    return () => {
      live = false;
    };
    // Again when the session changes (a role changed here, another login).
  }, [workspaceId, me]);

  if (error) {
    return (
      <Layout>
        <div class="card">
          <h1>Cannot open this workspace</h1>
          <ErrorNotice error={error} />
        </div>
      </Layout>
    );
  }
  if (!me || !workspace) return <Layout>{<Loading />}</Layout>;
  const canEdit = workspace.role === 'owner' || workspace.role === 'editor';
  return (
    <Layout wide>
      <section class="card ws-head" aria-labelledby="ws-name">
        <div class="ws-title">
          <div>
            <p class="eyebrow">Workspace · you are {workspace.role}</p>
            <h1 id="ws-name">{workspace.name}</h1>
          </div>
          {canEdit && (
            <a class="btn primary" href={`/?workspace=${encodeURIComponent(workspace.id)}`}>
              New poll in this workspace
            </a>
          )}
        </div>
        <WorkspaceSwitcher me={me} current={workspace.id} />
        {workspace.role === 'owner' && (
          <p class="ws-links">
            <a href={workspacePath(workspace.id, 'keys')}>API keys</a>
          </p>
        )}
      </section>
      <PollList workspace={workspace} />
      <Members workspace={workspace} me={me} />
      {workspace.role === 'owner' && <WebhookDeliveries workspaceId={workspace.id} />}
    </Layout>
  );
}

function WorkspaceSwitcher({ me, current }: { me: Me; current: string }) {
  if (me.workspaces.length < 2) return null;
  return (
    <div class="field ws-switch">
      <label for="ws-switch">Switch workspace</label>
      <select id="ws-switch" value={current} onChange={(e) => navigate(workspacePath(e.currentTarget.value))}>
        {me.workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function PollList({ workspace }: { workspace: Workspace }) {
  const [polls, setPolls] = useState<Poll[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const base = `/v1/workspaces/${encodeURIComponent(workspace.id)}/polls?limit=${PAGE}`;

  const load = useCallback(
    async (before: string | null) => {
      setBusy(true);
      try {
        const r = await authed<{ polls: Poll[]; next: string | null }>('GET', before ? `${base}&before=${encodeURIComponent(before)}` : base);
        setPolls((p) => (before && p ? [...p, ...r.polls] : r.polls));
        setNext(r.next);
        setError(null);
      } catch (err) {
        setError(asApiError(err));
      } finally {
        setBusy(false);
      }
    },
    [base],
  );
  useEffect(() => void load(null), [load]);

  const manager = workspace.role !== 'viewer';
  return (
    <section class="card" aria-labelledby="polls-title">
      <h2 id="polls-title">Polls</h2>
      {error && <ErrorNotice error={error} />}
      {polls === null ? (
        !error && <Loading />
      ) : polls.length === 0 ? (
        <p class="muted">No polls in this workspace yet.</p>
      ) : (
        <ul class="poll-list" data-testid="poll-list">
          {polls.map((p) => (
            <li key={p.id} class="poll-row" data-poll={p.id}>
              <div class="poll-main">
                <a class="poll-question" href={manager ? pollPath(p.id, 'manage') : pollPath(p.id, 'results')}>
                  {p.question}
                </a>
                <span class="poll-meta">
                  <span class={`badge status-${p.status}`} data-testid="poll-row-status">
                    {STATUS_WORDS[p.status]}
                  </span>
                  <span class="muted small">Created {formatTime(p.createdAt)}</span>
                </span>
              </div>
              <span class="poll-links">
                <a href={pollPath(p.id)} aria-label={`Vote: ${p.question}`}>
                  Vote
                </a>
                <a href={pollPath(p.id, 'results')} aria-label={`Results: ${p.question}`}>
                  Results
                </a>
                {manager && (
                  <a href={pollPath(p.id, 'manage')} aria-label={`Manage: ${p.question}`}>
                    Manage
                  </a>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button type="button" class="btn secondary" disabled={busy} onClick={() => void load(next)}>
          {busy ? 'Loading…' : 'Show older polls'}
        </button>
      )}
    </section>
  );
}

function Members({ workspace, me }: { workspace: Workspace; me: Me }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const owner = workspace.role === 'owner';
  const base = `/v1/workspaces/${encodeURIComponent(workspace.id)}/members`;
  const invitationsBase = `/v1/workspaces/${encodeURIComponent(workspace.id)}/invitations`;

  const reload = useCallback(async () => {
    try {
      setMembers((await authed<{ members: Member[] }>('GET', base)).members);
      if (owner) setInvitations((await authed<{ invitations: Invitation[] }>('GET', invitationsBase)).invitations);
    } catch (err) {
      setError(asApiError(err));
    }
  }, [base, invitationsBase, owner]);
  useEffect(() => void reload(), [reload]);

  async function act(fn: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setSaid('');
    try {
      setSaid(await fn());
      await reload();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }
  const add = (e: Event) => {
    e.preventDefault();
    if (!email.trim()) return;
    void act(async () => {
      // The same answer for every address: the person joins when they accept, logged in with it.
      const r = await authed<{ invitation: Invitation }>('POST', invitationsBase, { body: { email: email.trim(), role } });
      setEmail('');
      return `Invitation for ${r.invitation.email} (${r.invitation.role}) saved: they join when they accept it on their account page.`;
    });
  };
  const withdraw = (i: Invitation) =>
    act(async () => {
      await authed('DELETE', `${invitationsBase}/${encodeURIComponent(i.id)}`);
      return `The invitation for ${i.email} was withdrawn.`;
    });
  const change = (m: Member, to: Role) =>
    act(async () => {
      await authed('PATCH', `${base}/${encodeURIComponent(m.userId)}`, { body: { role: to } });
      if (m.userId === me.user.id) await loadMe(true);
      return `${m.name} is now ${to}.`;
    });
  const remove = (m: Member) =>
    act(async () => {
      await authed('DELETE', `${base}/${encodeURIComponent(m.userId)}`);
      if (m.userId === me.user.id) {
        await loadMe(true);
        navigate('/account');
      }
      return `${m.name} was removed.`;
    });

  return (
    <section class="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {members === null ? (
        !error && <Loading />
      ) : (
        <ul class="member-list" data-testid="member-list">
          {members.map((m) => (
            <li key={m.userId} class="member-row">
              <span class="member-who">
                <span>
                  <strong>{m.name}</strong>
                  {m.userId === me.user.id && <span class="muted"> (you)</span>}
                </span>
                <span class="muted small member-email">{m.email}</span>
              </span>
              {owner ? (
                <span class="member-actions">
                  <select aria-label={`Role of ${m.name}`} value={m.role} disabled={busy} onChange={(e) => void change(m, e.currentTarget.value as Role)}>
                    {ROLES.map((r) => (
                      <option key={r.role} value={r.role}>
                        {r.role}
                      </option>
                    ))}
                  </select>
                  <button type="button" class="btn danger-outline small" disabled={busy} onClick={() => void remove(m)} aria-label={`Remove ${m.name}`}>
                    Remove
                  </button>
                </span>
              ) : (
                <span class="badge">{m.role}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {owner && invitations.length > 0 && (
        <>
          <h3 id="invitations-title">Invited, not answered yet</h3>
          <ul class="member-list" data-testid="invitation-list" aria-labelledby="invitations-title">
            {invitations.map((i) => (
              <li key={i.id} class="member-row">
                <span class="member-who">
                  <span>{i.email}</span>
                  <span class="muted small">
                    {i.role}, until {formatTime(i.expiresAt)}
                  </span>
                </span>
                <span class="member-actions">
                  <button type="button" class="btn danger-outline small" disabled={busy} onClick={() => void withdraw(i)} aria-label={`Withdraw the invitation for ${i.email}`}>
                    Withdraw
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="said" role="status">
        {said}
      </p>
      {error && <ErrorNotice error={error} />}
      {owner && (
        <form class="add-member" onSubmit={add} noValidate aria-labelledby="add-member-title">
          <h3 id="add-member-title">Invite a member</h3>
          <p class="muted small">They join when they accept the invitation, logged in with this email (with an account made now or later).</p>
          <div class="add-member-fields">
            <div class="field">
              <label for="member-email">Email</label>
              <input id="member-email" type="email" autoComplete="off" maxLength={254} value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="member-role">Role</label>
              <select id="member-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r.role} value={r.role}>
                    {r.words}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" class="btn secondary" disabled={busy || !email.trim()}>
              Invite
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
