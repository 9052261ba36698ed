/** The quiz leaderboard: top N on the big screen (rank, nickname, score). Nicknames are text, never markup. */
import type { LeaderboardEntry } from '../lib/types.js';

export function Leaderboard({ entries, top = 10, title = 'Leaderboard' }: { entries: LeaderboardEntry[]; top?: number; title?: string }) {
  return (
    <section class="leaderboard" data-testid="leaderboard" aria-label={title}>
      <h2 class="leaderboard-title">{title}</h2>
      {entries.length === 0 ? (
        <p class="muted">No players yet.</p>
      ) : (
        <ol class="leaderboard-list">
          {entries.slice(0, top).map((e) => (
            <li key={e.nickname} class={'leaderboard-row' + (e.rank === 1 ? ' first' : '')} data-testid="leaderboard-row">
              <span class="lb-rank">{e.rank}</span>
              <span class="lb-name">{e.nickname}</span>
              <span class="lb-score">{e.score.toLocaleString('en')}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
