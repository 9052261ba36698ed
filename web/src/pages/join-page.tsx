/** /j and /j/{code}: type a join code. Valid codes are redirected by the server before this page. */
import { useEffect, useState } from 'preact/hooks';
import { Layout } from '../components/layout.js';
import { setTitle } from '../lib/format.js';
import { parseJoinCode } from '../lib/join-code.js';
import { navigate, pollPath } from '../lib/router.js';

export default function JoinPage({ code }: { code: string }) {
  const [value, setValue] = useState(code);
  const [error, setError] = useState(code && !parseJoinCode(code) ? `“${code}” is not a join code.` : '');
  useEffect(() => {
    setTitle('Join a poll');
    const id = parseJoinCode(code);
    if (id) navigate(pollPath(id), true);
  }, [code]);

  const submit = (e: Event) => {
    e.preventDefault();
    const id = parseJoinCode(value);
    if (id) navigate(pollPath(id));
    else setError('That is not a join code. A code has 12 letters and digits, like 7kQx-3mWb-zR2a; capitals matter.');
  };
  return (
    <Layout>
      <form class="card" onSubmit={submit} noValidate>
        <h1>Join a poll</h1>
        <div class="field">
          <label for="join-code">Join code</label>
          <input
            id="join-code"
            class="code-input"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            autoComplete="off"
            autoCapitalize="off"
            spellcheck={false}
            placeholder="7kQx-3mWb-zR2a"
            aria-describedby={error ? 'join-error' : undefined}
            aria-invalid={error ? true : undefined}
          />
          {error && (
            <p id="join-error" class="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button class="btn primary big" type="submit">
          Go to the poll
        </button>
      </form>
    </Layout>
  );
}
