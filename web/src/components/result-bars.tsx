/** The results chart: one bar per option; widths animate with CSS transitions as updates arrive. */
import { useEffect, useState } from 'preact/hooks';
import { percent, plural } from '../lib/format.js';
import { percents } from '../lib/percents.js';
import type { Poll, Results } from '../lib/types.js';

export function ResultBars({ poll, results }: { poll: Poll; results: Results | null }) {
  // Start at zero width and grow on the next frame, so bars animate when they first appear too.
  const [grown, setGrown] = useState(false);
  useEffect(() => {
    const id = requestAnimationFrame(() => requestAnimationFrame(() => setGrown(true)));
    return () => cancelAnimationFrame(id);
  }, []);
  const counts = new Map(results?.options.map((o) => [o.id, o.votes]) ?? []);
  const total = results?.total ?? 0;
  const top = Math.max(0, ...counts.values());
  // One answer per voter (single, ranked first preferences): shares of one whole, summing to 100.
  // Multiple choice: each option's share of voters, which may add up to more.
  const shares = poll.kind === 'multiple' ? null : percents(poll.options.map((o) => counts.get(o.id) ?? 0), total);
  return (
    <ol class="bars" data-testid="bars">
      {poll.options.map((o, i) => {
        const votes = counts.get(o.id) ?? 0;
        const pct = shares ? shares[i]! : percent(votes, total);
        return (
          <li key={o.id} class={'bar' + (votes > 0 && votes === top ? ' lead' : '')} data-option={o.id}>
            <div class="bar-head">
              <span class="bar-text">{o.text}</span>
              <span class="bar-figures">
                <strong class="bar-pct">{pct}%</strong> <span class="bar-votes">{plural(votes, 'vote', 'votes')}</span>
              </span>
            </div>
            <div class="bar-track" aria-hidden="true">
              <div class="bar-fill" style={{ width: `${grown ? pct : 0}%` }} />
            </div>
          </li>
        );
      })}
    </ol>
  );
}

export function TotalLine({ poll, results }: { poll: Poll; results: Results | null }) {
  const total = results?.total ?? 0;
  return (
    <p class="total" data-testid="total">
      <strong>{plural(total, 'vote', 'votes')}</strong>
      {poll.kind === 'multiple' ? <span class="muted"> · voters could pick up to {poll.maxChoices}; percentages are of voters</span> : null}
    </p>
  );
}
