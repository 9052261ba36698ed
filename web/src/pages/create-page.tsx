/**
 * /: create a poll (question, kind — single, multiple, ranked, rating, nps — options or scale,
 * schedule, visibility, identity mode) → its share page.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout } from '../components/layout.js';
import { DEFAULT_LIMITS, LimitFields, settingsBody, useWorkspaceChoice, WorkspacePicker } from '../components/poll-settings.js';
import { api, ApiError, asApiError } from '../lib/api.js';
import { authed } from '../lib/session.js';
import { setTitle } from '../lib/format.js';
import { navigate, pollPath } from '../lib/router.js';
import { saveOwnerToken } from '../lib/storage.js';
import type { IdentityMode, Poll, PollKind, ResultsVisibility } from '../lib/types.js';

const MAX_OPTIONS = 100;

const KINDS: Array<[PollKind, string]> = [
  ['single', 'one option'],
  ['multiple', 'several options'],
  ['ranked', 'a ranking of the options (instant runoff)'],
  ['rating', 'a rating on a scale'],
  ['nps', 'a 0–10 recommendation score (NPS)'],
];
const hasOptions = (k: PollKind) => k === 'single' || k === 'multiple' || k === 'ranked';

/** What an invalid_poll / validation_failed `field` means, in words, and which input to point at. */
function fieldProblem(field: string | undefined): { input: string; text: string } | null {
  if (!field) return null;
  const f = field.replace(/^body\/?/, '').replace(/\//g, '.');
  const opt = /options[.[](\d+)/.exec(f);
  if (opt) return { input: `option-${opt[1]}`, text: `Option ${Number(opt[1]) + 1} is empty, too long (200 characters at most) or repeats another option.` };
  if (f.startsWith('options')) return { input: 'option-0', text: 'A poll needs 2 to 100 options.' };
  if (f.startsWith('question')) return { input: 'question', text: 'The question must be 1 to 500 characters.' };
  if (f.startsWith('closesAt')) return { input: 'closes-at', text: 'The closing time must be in the future and after the opening time.' };
  if (f.startsWith('opensAt')) return { input: 'opens-at', text: 'The opening time is not a valid date.' };
  if (f.startsWith('ipCap')) return { input: 'ip-cap', text: 'Votes per network address must be a whole number from 1 to 1,000,000, or empty.' };
  if (f.startsWith('powDifficulty')) return { input: 'pow-difficulty', text: 'Choose an anti-bot level from the list.' };
  if (f.startsWith('access')) return { input: 'access', text: 'Members-only polls must belong to a workspace.' };
  if (f.startsWith('identityMode')) return { input: 'identity', text: 'One vote per account needs a poll in a workspace: choose one under “Create in”.' };
  if (f.startsWith('maxChoices')) return { input: 'max-choices', text: 'The number of choices allowed must be between 1 and the number of options.' };
  if (f.startsWith('maxRank')) return { input: 'max-rank', text: 'The number of ranks must be between 1 and the number of options.' };
  if (f.startsWith('scale')) return { input: 'scale-min', text: 'The scale runs between whole numbers from 0 to 10, the lowest below the highest.' };
  return null;
}

/** A datetime-local value ("2026-05-01T18:30") is local time; the API takes ISO 8601. */
const toIso = (local: string): string | null => (local ? new Date(local).toISOString() : null);

export default function CreatePage() {
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState<string[]>(['', '']);
  const [kind, setKind] = useState<PollKind>('single');
  const [maxChoices, setMaxChoices] = useState(2);
  const [maxRank, setMaxRank] = useState('');
  const [scale, setScale] = useState({ min: 1, max: 5 });
  const [opensAt, setOpensAt] = useState('');
  const [closesAt, setClosesAt] = useState('');
  const [draft, setDraft] = useState(false);
  const [visibility, setVisibility] = useState<ResultsVisibility>('live');
  const [identity, setIdentity] = useState<IdentityMode>('device');
  const choice = useWorkspaceChoice();
  const [limits, setLimits] = useState(DEFAULT_LIMITS);
  useEffect(() => void (!choice.workspaceId && identity === 'account' && setIdentity('device')), [choice.workspaceId, identity]);
  const [allowChange, setAllowChange] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setTitle('Create a poll'), []);

  const problem = error ? fieldProblem(typeof error.problem.field === 'string' ? error.problem.field : undefined) : null;
  const invalid = (id: string) => (problem?.input === id ? { 'aria-invalid': true, 'aria-describedby': 'form-error' } : {});

  const setOption = (i: number, v: string) => setOptions((o) => o.map((x, j) => (j === i ? v : x)));
  const addOption = () => {
    setOptions((o) => [...o, '']);
    requestAnimationFrame(() => document.getElementById(`option-${options.length}`)?.focus());
  };
  const removeOption = (i: number) => setOptions((o) => o.filter((_, j) => j !== i));

  async function submit(e: Event) {
    e.preventDefault();
    const filled = hasOptions(kind) ? options.map((o) => o.trim()).filter(Boolean) : [];
    if (!question.trim()) return setError(new ApiError(422, 'invalid_poll', { status: 422, code: 'invalid_poll', field: 'question' }, null));
    if (hasOptions(kind) && filled.length < 2) return setError(new ApiError(422, 'invalid_poll', { status: 422, code: 'invalid_poll', field: `options[${filled.length}]` }, null));
    const body: Record<string, unknown> = {
      question: question.trim(),
      ...(hasOptions(kind) ? { options: filled } : {}),
      kind,
      resultsVisibility: visibility,
      identityMode: identity,
      allowChange,
    };
    if (kind === 'multiple') body.maxChoices = Math.min(Math.max(1, maxChoices), filled.length);
    if (kind === 'ranked' && maxRank !== '') body.maxRank = Number(maxRank);
    if (kind === 'rating') body.scale = scale;
    if (opensAt) body.opensAt = toIso(opensAt);
    if (closesAt) body.closesAt = toIso(closesAt);
    if (draft) body.status = 'draft';
    Object.assign(body, settingsBody(choice.workspaceId, identity, limits));
    setBusy(true);
    setError(null);
    try {
      // A workspace poll is created (and then managed) with the session; a quick poll gets an owner token.
      type Created = { poll: Poll; ownerToken: string | null };
      const r = choice.workspaceId ? await authed<Created>('POST', '/v1/polls', { body }) : await api<Created>('POST', '/v1/polls', { body });
      if (r.ownerToken) saveOwnerToken(r.poll.id, r.ownerToken);
      navigate(pollPath(r.poll.id, choice.workspaceId ? 'manage' : 'share'));
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  }

  return (
    <Layout>
      <form class="card create" onSubmit={submit} noValidate aria-labelledby="create-title">
        <h1 id="create-title">Create a poll</h1>
        <WorkspacePicker choice={choice} />

        <div class="field">
          <label for="question">Question</label>
          <textarea id="question" rows={2} maxLength={500} value={question} onInput={(e) => setQuestion(e.currentTarget.value)} {...invalid('question')} />
        </div>

        <fieldset class="field">
          <legend>Voters give</legend>
          {KINDS.map(([k, label]) => (
            <label class="inline" key={k}>
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {label}
            </label>
          ))}
          {kind === 'multiple' && (
            <div class="field nested">
              <label for="max-choices">At most</label>
              <input
                id="max-choices"
                type="number"
                min={1}
                max={options.length}
                value={maxChoices}
                onInput={(e) => setMaxChoices(Number(e.currentTarget.value))}
                {...invalid('max-choices')}
              />
            </div>
          )}
          {kind === 'ranked' && (
            <div class="field nested">
              <label for="max-rank">Options each voter ranks (empty: all)</label>
              <input id="max-rank" type="number" min={1} max={options.length} value={maxRank} onInput={(e) => setMaxRank(e.currentTarget.value)} {...invalid('max-rank')} />
            </div>
          )}
          {kind === 'rating' && (
            <div class="grid2 nested">
              <div class="field">
                <label for="scale-min">From</label>
                <input id="scale-min" type="number" min={0} max={1} value={scale.min} onInput={(e) => setScale({ ...scale, min: Number(e.currentTarget.value) })} {...invalid('scale-min')} />
              </div>
              <div class="field">
                <label for="scale-max">To</label>
                <input id="scale-max" type="number" min={2} max={10} value={scale.max} onInput={(e) => setScale({ ...scale, max: Number(e.currentTarget.value) })} />
              </div>
            </div>
          )}
          {kind === 'nps' && <p class="muted small nested">Voters answer 0–10; results show promoters, passives, detractors and the score.</p>}
        </fieldset>

        {hasOptions(kind) && (
          <fieldset class="field">
            <legend>Options</legend>
            <ol class="option-inputs">
              {options.map((o, i) => (
                <li key={i}>
                  <input
                    id={`option-${i}`}
                    aria-label={`Option ${i + 1}`}
                    maxLength={200}
                    value={o}
                    onInput={(e) => setOption(i, e.currentTarget.value)}
                    {...invalid(`option-${i}`)}
                  />
                  {options.length > 2 && (
                    <button type="button" class="btn icon" onClick={() => removeOption(i)} aria-label={`Remove option ${i + 1}`}>
                      ×
                    </button>
                  )}
                </li>
              ))}
            </ol>
            {options.length < MAX_OPTIONS && (
              <button type="button" class="btn secondary small" onClick={addOption}>
                + Add option
              </button>
            )}
          </fieldset>
        )}

        <details class="field more">
          <summary>Schedule, results and voters</summary>
          <div class="grid2">
            <div class="field">
              <label for="opens-at">Opens at (optional)</label>
              <input id="opens-at" type="datetime-local" value={opensAt} onInput={(e) => setOpensAt(e.currentTarget.value)} {...invalid('opens-at')} />
            </div>
            <div class="field">
              <label for="closes-at">Closes at (optional)</label>
              <input id="closes-at" type="datetime-local" value={closesAt} onInput={(e) => setClosesAt(e.currentTarget.value)} {...invalid('closes-at')} />
            </div>
          </div>
          <label class="inline">
            <input type="checkbox" checked={draft} onChange={(e) => setDraft(e.currentTarget.checked)} /> Keep it closed until I open it (draft)
          </label>
          <div class="field">
            <label for="visibility">Who sees the results</label>
            <select id="visibility" value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as ResultsVisibility)}>
              <option value="live">Everyone, live while voting</option>
              <option value="after_close">Everyone, once the poll closes</option>
              <option value="owner_only">Only me (reveal them in presenter mode)</option>
            </select>
          </div>
          <div class="field">
            <label for="identity">One vote per</label>
            <select id="identity" value={identity} onChange={(e) => setIdentity(e.currentTarget.value as IdentityMode)} {...invalid('identity')}>
              <option value="device">device (no sign-up)</option>
              <option value="invite">invite code (you hand out one-time codes)</option>
              {choice.workspaceId && <option value="account">logged-in account</option>}
              <option value="open">voter ID sent by your own system (API key or owner token)</option>
            </select>
          </div>
          <LimitFields workspace={choice.workspaces.find((w) => w.id === choice.workspaceId)} identity={identity} limits={limits} setLimits={setLimits} invalid={invalid} />
          <label class="inline">
            <input type="checkbox" checked={allowChange} onChange={(e) => setAllowChange(e.currentTarget.checked)} /> Voters may change their vote
          </label>
        </details>

        {error && (
          <div id="form-error">
            <ErrorNotice error={error}>{problem && <p>{problem.text}</p>}</ErrorNotice>
          </div>
        )}
        <button type="submit" class="btn primary big" disabled={busy}>
          {busy ? 'Creating…' : 'Create poll'}
        </button>
      </form>
      <p class="center muted">
        Have a code? <a href="/j">Join a poll</a>
      </p>
    </Layout>
  );
}
