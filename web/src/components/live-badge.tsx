/** Connection state of a live view, in words. */
import type { LivePhase } from '../lib/use-live-results.js';

const WORDS: Record<LivePhase, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  hidden: 'Hidden',
  deleted: 'Deleted',
  off: '',
};

export function LiveBadge({ phase }: { phase: LivePhase }) {
  if (phase === 'off') return null;
  return (
    <span class={'badge ' + phase} data-testid="live-badge">
      {WORDS[phase]}
    </span>
  );
}
