/** /j and /j/{code}: type a join code. Valid codes are redirected by the server before this page. */
import { useEffect, useState } from 'preact/hooks';
import { Layout } from '../components/layout.js';
import { setTitle } from '../lib/format.js';
import { parseEventCode, parseJoinCode } from '../lib/join-code.js';
import { navigate, pollPath } from '../lib/router.js';

export default function JoinPage({ code }: { code: string }) {
  const [value, setValue] = useState(code);
  const [error, setError] = useState(code && !parseJoinCode(code) && !parseEventCode(code) ? `“${code}” is not a join code.` : '');
  useEffect(() => {
    setTitle('Join a poll');
    const id = parseJoinCode(code);
    if (id) navigate(pollPath(id), true);
  }, [code]);

  const submit = (e: Event) => {
    e.preventDefault();
    const id = parseJoinCode(value);
    const event = id ? null : parseEventCode(value);
    if (id) navigate(pollPath(id));
    else if (event) navigate(`/${event}`);
    else setError('That is not a join code. An event code has up to 8 letters and digits, like K7TA9X (any case); a poll code has 12, like 7kQx-3mWb-zR2a.');
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
