/**
 * /w/{workspaceId}/keys: a workspace's API keys (owners). A new key's secret is in the create
 * answer only: it is shown once, with Copy, and never again (the list shows its prefix).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { CopyField } from '../components/copy-field.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout, Loading } from '../components/layout.js';
import { ApiError, asApiError } from '../lib/api.js';
import { formatTime, setTitle } from '../lib/format.js';
import { workspacePath } from '../lib/router.js';
import { authed, useLoggedIn } from '../lib/session.js';
import type { ApiKey, ApiKeyScope, Workspace } from '../lib/types.js';

const SCOPES: Array<{ scope: ApiKeyScope; words: string }> = [
  { scope: 'polls:read', words: 'Read polls and results' },
  { scope: 'polls:write', words: 'Create and manage polls' },
  { scope: 'votes:write', words: 'Cast votes for named voters' },
];

export default function KeysPage({ workspaceId }: { workspaceId: string }) {
  const me = useLoggedIn();
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['polls:read']);
  const [created, setCreated] = useState<{ key: string; apiKey: ApiKey } | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const wsBase = `/v1/workspaces/${encodeURIComponent(workspaceId)}`;
  useEffect(() => setTitle('API keys', workspace?.name ?? ''), [workspace]);

  const reload = useCallback(async () => {
    setKeys((await authed<{ apiKeys: ApiKey[] }>('GET', `${wsBase}/api-keys`)).apiKeys);
  }, [wsBase]);
  useEffect(() => {
    if (!me) return;
    authed<{ workspace: Workspace }>('GET', wsBase)
      .then((r) => {
        setWorkspace(r.workspace);
        return reload();
      })
      .catch((err) => setError(asApiError(err)));
  }, [wsBase, me?.user.id, reload]);

  async function act(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setSaid('');
    try {
      await fn();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }
  const create = (e: Event) => {
    e.preventDefault();
    if (!name.trim() || scopes.length === 0) return;
    void act(async () => {
      const r = await authed<{ key: string; apiKey: ApiKey }>('POST', `${wsBase}/api-keys`, { body: { name: name.trim(), scopes } });
      setCreated(r);
      setName('');
      await reload();
    });
  };
  const revoke = (k: ApiKey) =>
    act(async () => {
      await authed('DELETE', `${wsBase}/api-keys/${encodeURIComponent(k.id)}`);
      setConfirm(null);
      if (created?.apiKey.id === k.id) setCreated(null);
      setSaid(`“${k.name}” was revoked: programs using it are refused from now on.`);
      await reload();
    });
  const toggle = (s: ApiKeyScope, on: boolean) => setScopes((list) => (on ? [...list.filter((x) => x !== s), s] : list.filter((x) => x !== s)));

  if (!me || (!workspace && !error)) return <Layout>{<Loading />}</Layout>;
  if (!workspace || keys === null) {
    return (
      <Layout>
        <div class="card">
          <h1>API keys</h1>
          {error && <ErrorNotice error={error} />}
          <p>
            <a href={workspacePath(workspaceId)}>Back to the workspace</a>
          </p>
        </div>
      </Layout>
    );
  }
  const active = keys.filter((k) => !k.revokedAt);
  const revoked = keys.filter((k) => k.revokedAt);
  return (
    <Layout wide>
      <section class="card" aria-labelledby="keys-title">
        <p class="eyebrow">
          <a href={workspacePath(workspace.id)}>{workspace.name}</a>
        </p>
        <h1 id="keys-title">API keys</h1>
        <p class="muted">
          Programs send a key as <code>Authorization: Bearer pk_…</code> to create polls and cast votes for this workspace.
        </p>
        {created && (
          <div class="notice warn new-key" role="status" data-testid="new-key">
            <h2 class="notice-title">Copy your new key now</h2>
            <p>
              This is the only time “{created.apiKey.name}” is shown in full. Store it somewhere safe: we keep only a fingerprint of it.
            </p>
            <CopyField label="New API key" value={created.key} testId="new-key-value" />
            <button type="button" class="btn link" onClick={() => setCreated(null)}>
              I have stored it
            </button>
          </div>
        )}
        <form class="key-form" onSubmit={create} noValidate aria-labelledby="new-key-title">
          <h2 id="new-key-title">New key</h2>
          <div class="field">
            <label for="key-name">Name</label>
            <input id="key-name" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="What uses it, e.g. “Event app”" />
          </div>
          <fieldset class="field">
            <legend>It may</legend>
            {SCOPES.map((s) => (
              <label class="inline" key={s.scope}>
                <input type="checkbox" checked={scopes.includes(s.scope)} onChange={(e) => toggle(s.scope, e.currentTarget.checked)} />
                <span>
                  {s.words} <code class="scope muted small">{s.scope}</code>
                </span>
              </label>
            ))}
          </fieldset>
          <button type="submit" class="btn primary" disabled={busy || !name.trim() || scopes.length === 0}>
            Create key
          </button>
        </form>
        <p class="said" role="status">
          {said}
        </p>
        {error && <ErrorNotice error={error} />}
      </section>
      <section class="card" aria-labelledby="key-list-title">
        <h2 id="key-list-title">Keys</h2>
        {active.length === 0 ? (
          <p class="muted">No active keys.</p>
        ) : (
          <ul class="key-list" data-testid="key-list">
            {active.map((k) => (
              <li key={k.id} class="key-row" data-key={k.id}>
                <div class="key-info">
                  <strong>{k.name}</strong> <code class="key-prefix">{k.prefix}…</code>
                  <span class="muted small">
                    {k.scopes.join(', ')} · created {formatTime(k.createdAt)} · {k.lastUsedAt ? `last used ${formatTime(k.lastUsedAt)}` : 'never used'}
                  </span>
                </div>
                {confirm === k.id ? (
                  <span class="confirm" role="group" aria-label={`Confirm revoking ${k.name}`}>
                    <span>Revoke? Programs using it stop working.</span>
                    <button type="button" class="btn danger small" disabled={busy} onClick={() => void revoke(k)}>
                      Yes, revoke
                    </button>
                    <button type="button" class="btn secondary small" onClick={() => setConfirm(null)}>
                      Keep it
                    </button>
                  </span>
                ) : (
                  <button type="button" class="btn danger-outline small" onClick={() => setConfirm(k.id)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {revoked.length > 0 && (
          <details class="more">
            <summary>Revoked keys ({revoked.length})</summary>
            <ul class="key-list">
              {revoked.map((k) => (
                <li key={k.id} class="key-row revoked">
                  <div class="key-info">
                    <strong>{k.name}</strong> <code class="key-prefix">{k.prefix}…</code>
                    <span class="muted small">revoked {formatTime(k.revokedAt!)}</span>
                  </div>
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
    </Layout>
  );
}
