/**
 * /receipt: a voter checks a receipt (id + key from the vote) — counted, and which choice — and,
 * once the poll is closed, its inclusion proof against the root they kept (or the one served).
 * The key travels in a header and is never put in the address. `#id=…&key=…` pre-fills the form
 * (the fragment never reaches a server).
 */
import { useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout } from '../components/layout.js';
import { api, ApiError, asApiError } from '../lib/api.js';
import { verifyInclusion, type ProofStep } from '../lib/merkle.js';

interface ReceiptAnswer {
  receiptId: string;
  pollId: string;
  counted: boolean;
  optionIds?: string[];
  countedAt?: string;
  commitment?: { root: string; count: number; publishedAt: string; earlier?: Array<{ root: string }> };
  proof?: ProofStep[];
  proofUnavailable?: 'votes_changed_since_close';
}

export default function ReceiptPage() {
  const given = new URLSearchParams(location.hash.slice(1));
  const [id, setId] = useState(given.get('id') ?? '');
  const [key, setKey] = useState(given.get('key') ?? '');
  const [root, setRoot] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [answer, setAnswer] = useState<ReceiptAnswer | null>(null);
  const [proofOk, setProofOk] = useState<boolean | null>(null);
  const [options, setOptions] = useState<Map<string, string>>(new Map());

  const check = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setAnswer(null);
    setProofOk(null);
    try {
      const r = await api<ReceiptAnswer>('GET', `/v1/receipts/${encodeURIComponent(id.trim())}`, { headers: { 'receipt-key': key.trim() } });
      setAnswer(r);
      const poll = await api<{ poll: { options: Array<{ id: string; text: string }> } }>('GET', `/v1/polls/${r.pollId}`).catch(() => null);
      if (poll) setOptions(new Map(poll.poll.options.map((o) => [o.id, o.text])));
      if (r.proof && r.commitment && r.optionIds) setProofOk(await verifyInclusion(r.receiptId, r.optionIds, r.proof, root.trim() || r.commitment.root));
    } catch (err) {
      setError(asApiError(err));
    }
  };
  const text = (ids: string[]) => ids.map((o) => options.get(o) ?? o).join(', ');

  return (
    <Layout>
      <form class="card" onSubmit={check} noValidate>
        <h1>Check your vote</h1>
        <div class="field">
          <label for="receipt-id">Receipt id</label>
          <input id="receipt-id" value={id} onInput={(e) => setId(e.currentTarget.value)} autoComplete="off" spellcheck={false} placeholder="r_…" />
        </div>
        <div class="field">
          <label for="receipt-key">Receipt key</label>
          <input id="receipt-key" value={key} onInput={(e) => setKey(e.currentTarget.value)} autoComplete="off" spellcheck={false} placeholder="rk1.…" />
        </div>
        <div class="field">
          <label for="receipt-root">Published root (optional)</label>
          <input id="receipt-root" value={root} onInput={(e) => setRoot(e.currentTarget.value)} autoComplete="off" spellcheck={false} placeholder="the 64-hex root kept when the poll closed" />
        </div>
        <button class="btn primary big" type="submit">
          Check
        </button>
        {error && <ErrorNotice error={error} />}
        {answer && (
          <section class={answer.counted ? 'state ok' : 'state info'} data-testid="receipt-result" aria-live="polite">
            {answer.counted ? (
              <p>
                <strong>Counted</strong>: {text(answer.optionIds ?? [])}
                {answer.countedAt && <span class="muted small"> (at {new Date(answer.countedAt).toLocaleString()})</span>}
              </p>
            ) : (
              <p>Not counted: this vote was changed later, and the newer receipt is the counted one.</p>
            )}
            {answer.commitment && proofOk !== null && (
              <p data-testid="proof-result">
                {proofOk
                  ? `Included: one of the ${answer.commitment.count} votes under root ${root.trim() || answer.commitment.root}.`
                  : `NOT included under root ${root.trim() || answer.commitment.root}.`}
              </p>
            )}
            {answer.commitment && (
              <p class="muted small">
                Root published when the poll closed, {new Date(answer.commitment.publishedAt).toLocaleString()}: <code>{answer.commitment.root}</code>
                {answer.commitment.earlier && answer.commitment.earlier.length > 0 && ` (the poll was reopened: ${answer.commitment.earlier.length} earlier close(s) published other roots)`}
              </p>
            )}
            {answer.proofUnavailable && (
              <p data-testid="proof-result" class="state warn">
                No proof: the votes stored now no longer lead to the root published at close. The counted votes were changed after the close.
              </p>
            )}
            {answer.counted && !answer.commitment && <p class="muted small">The inclusion proof is given once the poll is closed.</p>}
          </section>
        )}
      </form>
    </Layout>
  );
}
