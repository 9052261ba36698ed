/**
 * Feeds the results hub's pushes into the facades: every push counts, its commit-to-push latency
 * goes into the vote-to-viewer histogram, every viewer dropped for not reading is counted, and (tracing on) a `results.push` span is recorded in
 * the trace of the change it carried, timed from the start of the push.
 */
import type { HubObserver } from '../realtime/results-hub.js';
import type { Metrics } from '../ports/metrics.js';
import type { Tracing } from '../ports/tracing.js';

export function hubObserver(metrics: Metrics, tracing: Tracing): HubObserver {
  return {
    dropped(reason) {
      metrics.sseViewerDropped(reason);
    },
    pushed(_pollId, viewers, latencyMs, info) {
      metrics.ssePush(viewers, latencyMs);
      if (!tracing.enabled || info.traceparent === null) return;
      const span = tracing.start('results.push', {
        kind: 'producer',
        parent: info.traceparent,
        startTime: info.startedAt,
        attributes: { 'pollcast.viewers': viewers, ...(latencyMs === null ? {} : { 'pollcast.vote_to_viewer_ms': latencyMs }) },
      });
      span.end();
    },
  };
}
