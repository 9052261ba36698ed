/**
 * A text question's word cloud: the top words sized by count (area grows with the count), placed
 * in a stable alphabetical flow so words do not jump about as counts change. Words are text nodes:
 * whatever people typed is shown as text, never as markup.
 */
import { plural } from '../lib/format.js';
import type { Results } from '../lib/types.js';

export function WordCloud({ results }: { results: Results | null }) {
  const words = results?.words ?? [];
  const top = Math.max(1, ...words.map((w) => w.count));
  const sorted = [...words].sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  return (
    <figure class="cloud-figure">
      {words.length === 0 ? (
        <p class="muted cloud-empty">No words yet.</p>
      ) : (
        <ul class="cloud" data-testid="word-cloud" aria-label="Word cloud">
          {sorted.map((w) => {
            // 1× for a word said once, up to 4× for the most said: the area follows the count.
            const scale = 1 + 3 * Math.sqrt(w.count / top);
            return (
              <li key={w.word} class={'cloud-word' + (w.count === top ? ' top' : '')} style={{ fontSize: `${scale.toFixed(2)}em` }} data-count={w.count}>
                {w.word}
                <span class="sr-only">: {plural(w.count, 'time', 'times')}</span>
              </li>
            );
          })}
        </ul>
      )}
      <figcaption class="muted small">{plural(results?.answers ?? 0, 'answer', 'answers')}</figcaption>
    </figure>
  );
}
