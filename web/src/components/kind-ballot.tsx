/**
 * A phone's answer to an event question, for every kind: tick options (never more than
 * maxChoices: the rest are disabled once the limit is reached), rank options by tapping them in
 * order (up to maxRank), or pick a value on the scale. One Idempotency-Key per ballot, so a retry
 * after a dropped connection counts once; "already answered" is shown as answered.
 */
import { useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../lib/api.js';
import { newKey, saveVoterToken, voterToken } from '../lib/storage.js';
import type { Poll, VoteReceipt } from '../lib/types.js';
import { ErrorNotice } from './error-notice.js';

type Ballot = { optionIds: string[] } | { value: number } | { text: string };

/** `onAnswered` gets the ballot that counted (a quiz phone compares it with the correct options later). */
export function KindBallot({ poll, onAnswered }: { poll: Poll; onAnswered: (pollId: string, optionIds: string[]) => void }) {
  const [picked, setPicked] = useState<string[]>([]);
  const [text, setText] = useState('');
  const [value, setValue] = useState<number | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [key] = useState(newKey);

  const send = async (ballot: Ballot) => {
    setSending(true);
    setError(null);
    const headers: Record<string, string> = { 'idempotency-key': key };
    const vt = voterToken();
    if (vt) headers['x-voter-token'] = vt;
    try {
      const r = await api<VoteReceipt>('POST', `/v1/polls/${encodeURIComponent(poll.id)}/votes`, {
        body: ballot,
        headers,
      });
      if (r.voterToken) saveVoterToken(r.voterToken);
      onAnswered(poll.id, 'optionIds' in ballot ? ballot.optionIds : []);
    } catch (err) {
      const e = asApiError(err);
      if (e.code === 'already_voted') onAnswered(poll.id, []);
      else {
        if (e.code === 'voter_token_invalid') saveVoterToken(null);
        setError(e);
      }
    } finally {
      setSending(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (poll.kind === 'rating' || poll.kind === 'nps') {
      if (value !== null) void send({ value });
    } else if (poll.kind === 'text') {
      if (text.trim() !== '') void send({ text });
    } else if (picked.length > 0) void send({ optionIds: picked });
  };

  const toggle = (id: string) => {
    if (poll.kind === 'single' || poll.kind === 'quiz') setPicked([id]);
    else if (picked.includes(id)) setPicked(picked.filter((x) => x !== id));
    else if (picked.length < limit) setPicked([...picked, id]);
  };
  const limit =
    poll.kind === 'ranked' ? (poll.maxRank ?? poll.options.length) : poll.kind === 'single' || poll.kind === 'quiz' ? 1 : poll.maxChoices;

  let body;
  if (poll.kind === 'text') {
    const max = poll.text?.maxLength ?? 200;
    body = (
      <div class="text-answer">
        <label for={`t-${poll.id}`} class="muted small">
          Your answer (up to {max} characters)
        </label>
        <textarea
          id={`t-${poll.id}`}
          data-testid="text-answer"
          rows={3}
          maxLength={max}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <p class="muted small text-count" aria-live="polite">
          {text.length}/{max}
        </p>
      </div>
    );
  } else if (poll.kind === 'rating' || poll.kind === 'nps') {
    const scale = poll.scale ?? { min: 0, max: 10 };
    const values = Array.from({ length: scale.max - scale.min + 1 }, (_, i) => scale.min + i);
    body = (
      <fieldset class="scale" data-testid="scale">
        <legend class="sr-only">
          Pick a value from {scale.min} to {scale.max}
        </legend>
        <div class="scale-values">
          {values.map((v, i) => (
            <label key={v} class={'scale-value' + (value === v ? ' checked' : '')}>
              <input type="radio" name={`v-${poll.id}`} value={v} checked={value === v} onChange={() => setValue(v)} />
              <span>{v}</span>
              {scale.labels?.[i] && <small>{scale.labels[i]}</small>}
            </label>
          ))}
        </div>
        {poll.kind === 'nps' && (
          <p class="scale-ends muted small" aria-hidden="true">
            <span>Not at all likely</span>
            <span>Extremely likely</span>
          </p>
        )}
      </fieldset>
    );
  } else if (poll.kind === 'ranked') {
    body = (
      <fieldset class="choices ranking" data-testid="ranking">
        <legend class="muted small">
          Tap options in order of preference (up to {limit}). Tap again to take one out.
        </legend>
        {poll.options.map((o) => {
          const rank = picked.indexOf(o.id);
          return (
            <button
              type="button"
              key={o.id}
              class={'choice rank-choice' + (rank >= 0 ? ' checked' : '')}
              aria-pressed={rank >= 0}
              disabled={rank < 0 && picked.length >= limit}
              onClick={() => toggle(o.id)}
            >
              <span class="rank-badge" aria-hidden="true">
                {rank >= 0 ? rank + 1 : ''}
              </span>
              <span>{o.text}</span>
              {rank >= 0 && <span class="sr-only">, ranked {rank + 1}</span>}
            </button>
          );
        })}
      </fieldset>
    );
  } else {
    body = (
      <fieldset class="choices">
        <legend class="muted small">{poll.kind === 'multiple' ? `Pick up to ${limit}.` : 'Pick one.'}</legend>
        {poll.options.map((o, i) => {
          const on = picked.includes(o.id);
          return (
            <label key={o.id} class={'choice' + (on ? ' checked' : '') + (poll.kind === 'quiz' ? ` quiz-choice quiz-${i % 4}` : '')}>
              <input
                type={poll.kind === 'multiple' ? 'checkbox' : 'radio'}
                name={`o-${poll.id}`}
                checked={on}
                disabled={!on && poll.kind === 'multiple' && picked.length >= limit}
                onChange={() => toggle(o.id)}
              />
              <span>{o.text}</span>
            </label>
          );
        })}
      </fieldset>
    );
  }
  const ready = poll.kind === 'rating' || poll.kind === 'nps' ? value !== null : poll.kind === 'text' ? text.trim() !== '' : picked.length > 0;
  return (
    <form class="ballot" onSubmit={submit} data-testid="event-ballot">
      {body}
      {error && <ErrorNotice error={error} />}
      <div class="actions">
        <button class="btn primary big" type="submit" disabled={!ready || sending}>
          {sending ? 'Sending…' : 'Send answer'}
        </button>
      </div>
    </form>
  );
}
