/**
 * /reset and /verify: the pages the e-mailed links open. The token is in the fragment (#token=…),
 * so it never reaches a server log or a Referer. /reset asks for a new password; /verify confirms
 * the address at once. /reset without a token asks for an address to mail a link to.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout } from '../components/layout.js';
import { api, ApiError, asApiError } from '../lib/api.js';
import { setTitle } from '../lib/format.js';
import { PASSWORD_MIN } from '../lib/session.js';

const tokenOf = () => new URLSearchParams(location.hash.slice(1)).get('token');

export default function LinkPage({ mode }: { mode: 'reset' | 'verify' }) {
  return mode === 'reset' ? <Reset /> : <Verify />;
}

function Verify() {
  const [state, setState] = useState<'working' | 'done' | ApiError>('working');
  useEffect(() => {
    setTitle('Confirm your address');
    const token = tokenOf();
    if (!token)
      return setState(new ApiError(400, 'verify_link_invalid', { status: 400, code: 'verify_link_invalid' }, null));
    api('POST', '/v1/auth/verify-email', { body: { token } }).then(
      () => setState('done'),
      (err) => setState(asApiError(err)),
    );
  }, []);
  return (
    <Layout>
      <div class="card">
        <h1>Confirm your address</h1>
        {state === 'working' && <p>Confirming…</p>}
        {state === 'done' && (
          <p role="status">
            Your address is confirmed. <a href="/account">Go to your account</a>
          </p>
        )}
        {state instanceof ApiError && <ErrorNotice error={state} />}
      </div>
    </Layout>
  );
}

function Reset() {
  const token = tokenOf();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [said, setSaid] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setTitle('Reset your password'), []);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (token && password.length < PASSWORD_MIN)
      return setError(new ApiError(422, 'weak_password', { status: 422, code: 'weak_password' }, null));
    setBusy(true);
    try {
      if (token) {
        await api('POST', '/v1/auth/password-reset/confirm', { body: { token, password } });
        setSaid('Your password is changed. Log in with it.');
      } else {
        await api('POST', '/v1/auth/password-reset', { body: { email: email.trim() } });
        setSaid('If an account has this address, a link to reset its password is on its way.');
      }
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Layout>
      <form class="card" onSubmit={submit} noValidate>
        <h1>Reset your password</h1>
        {token ? (
          <div class="field">
            <label for="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
        ) : (
          <div class="field">
            <label for="reset-email">Email</label>
            <input
              id="reset-email"
              type="email"
              autoComplete="email"
              maxLength={254}
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </div>
        )}
        <p class="said" role="status">
          {said}
        </p>
        {said && token && (
          <p>
            <a class="btn primary" href="/login">
              Log in
            </a>
          </p>
        )}
        {error && <ErrorNotice error={error} />}
        {!said && (
          <button type="submit" class="btn primary" disabled={busy || (token ? !password : !email.trim())}>
            {token ? 'Set the new password' : 'Mail me a link'}
          </button>
        )}
      </form>
    </Layout>
  );
}
