/** /signup and /login (?next= a page to return to). The session is a cookie; the answer's CSRF token stays in memory. */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout } from '../components/layout.js';
import { api, ApiError, asApiError } from '../lib/api.js';
import { setTitle } from '../lib/format.js';
import { navigate, workspacePath } from '../lib/router.js';
import { PASSWORD_MIN, safeNext, startSession, useMe, type Me } from '../lib/session.js';
import type { User } from '../lib/types.js';

/** Where to go after logging in: the page that sent us here, else the user's own polls. */
function destination(me: Me): string {
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  if (next) return next;
  const home = me.workspaces[0];
  return home ? workspacePath(home.id) : '/';
}

const withNext = (path: string) => path + location.search;

export default function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const signup = mode === 'signup';
  const me = useMe();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setTitle(signup ? 'Sign up' : 'Log in'), [signup]);
  useEffect(() => setError(null), [mode]);

  async function submit(e: Event) {
    e.preventDefault();
    if (signup && password.length < PASSWORD_MIN) return setError(new ApiError(422, 'weak_password', { status: 422, code: 'weak_password' }, null));
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { email: email.trim(), password };
      if (signup && name.trim()) body.name = name.trim();
      const r = await api<{ user: User; csrfToken: string }>('POST', signup ? '/v1/auth/signup' : '/v1/auth/login', { body });
      navigate(destination(await startSession(r)));
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  }

  if (me && !busy) {
    return (
      <Layout>
        <div class="card">
          <h1>You are logged in</h1>
          <p>
            As <strong>{me.user.name}</strong> ({me.user.email}).
          </p>
          <p class="actions">
            <a class="btn primary" href={destination(me)}>
              Continue
            </a>
            <a class="btn secondary" href="/account">
              Account
            </a>
          </p>
        </div>
      </Layout>
    );
  }

  const invalid = (codes: string[]) => (error && codes.includes(error.code) ? { 'aria-invalid': true, 'aria-describedby': 'auth-error' } : {});
  return (
    <Layout>
      <form class="card auth" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h1 id="auth-title">{signup ? 'Create your account' : 'Log in'}</h1>
        {signup && (
          <div class="field">
            <label for="name">Your name (optional)</label>
            <input id="name" autoComplete="name" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </div>
        )}
        <div class="field">
          <label for="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete={signup ? 'email' : 'username'}
            maxLength={254}
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            {...invalid(['email_taken', 'invalid_credentials', 'validation_failed'])}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            maxLength={256}
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-describedby={signup ? 'password-hint' : undefined}
            {...invalid(['weak_password', 'invalid_credentials'])}
          />
          {signup && (
            <p id="password-hint" class="muted small">
              At least {PASSWORD_MIN} characters.
            </p>
          )}
        </div>
        {error && (
          <div id="auth-error">
            <AuthError error={error} />
          </div>
        )}
        <button type="submit" class="btn primary big" disabled={busy}>
          {busy ? (signup ? 'Creating your account…' : 'Logging in…') : signup ? 'Sign up' : 'Log in'}
        </button>
        <p class="muted switch">
          {signup ? (
            <>
              Already have an account? <a href={withNext('/login')}>Log in</a>
            </>
          ) : (
            <>
              New here? <a href={withNext('/signup')}>Create an account</a>
            </>
          )}
        </p>
      </form>
    </Layout>
  );
}

function AuthError({ error }: { error: ApiError }) {
  if (error.code === 'rate_limited') {
    return (
      <div class="notice error" role="alert" data-code={error.code}>
        <p>Too many attempts. Wait {error.retryAfterSec ? `${error.retryAfterSec} seconds` : 'a minute'} and try again.</p>
      </div>
    );
  }
  return (
    <ErrorNotice error={error}>
      {error.code === 'email_taken' && (
        <p>
          <a href={withNext('/login')}>Log in</a>
        </p>
      )}
    </ErrorNotice>
  );
}
