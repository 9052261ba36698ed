/**
 * Live results over Server-Sent Events. EventSource reconnects by itself after a dropped
 * connection and sends Last-Event-ID, so the server resumes from the last version seen. When the
 * server refuses the stream (hidden results, a deleted poll, a draining instance) EventSource
 * gives up; then the snapshot endpoint tells why, and we reconnect when it makes sense.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, asApiError } from './api.js';
import type { Results } from './types.js';

export type LivePhase = 'connecting' | 'live' | 'reconnecting' | 'hidden' | 'deleted' | 'off';

export interface LiveResults {
  phase: LivePhase;
  results: Results | null;
  error: ApiError | null;
}

export function useLiveResults(pollId: string, enabled: boolean, ownerToken: string | null = null): LiveResults {
  const [state, setState] = useState<LiveResults>({ phase: enabled ? 'connecting' : 'off', results: null, error: null });

  useEffect(() => {
    if (!enabled) {
      setState({ phase: 'off', results: null, error: null });
      return;
    }
    let es: EventSource | null = null;
    let timer: number | undefined;
    let stopped = false;
    let version = -1;
    let failures = 0;
    const q = ownerToken ? `?ownerToken=${encodeURIComponent(ownerToken)}` : '';
    const base = `/v1/polls/${encodeURIComponent(pollId)}/results`;

    const show = (r: Results) => {
      if (r.version < version) return;
      version = r.version;
      setState({ phase: 'live', results: r, error: null });
    };

    const connect = () => {
      const source = new EventSource(base + '/stream' + q);
      es = source;
      source.addEventListener('results', (ev) => {
        failures = 0;
        show(JSON.parse((ev as MessageEvent<string>).data) as Results);
      });
      source.addEventListener('deleted', () => {
        source.close();
        setState((s) => ({ ...s, phase: 'deleted', error: new ApiError(404, 'poll_not_found', { status: 404, code: 'poll_not_found' }, null) }));
      });
      source.onopen = () => setState((s) => ({ ...s, phase: s.results ? 'live' : 'connecting', error: null }));
      source.onerror = () => {
        if (stopped) return;
        if (source.readyState === EventSource.CONNECTING) {
          setState((s) => ({ ...s, phase: 'reconnecting' }));
          return;
        }
        source.close();
        void diagnose();
      };
    };

    const diagnose = async () => {
      try {
        show(await api<Results>('GET', base + q));
        if (!stopped) connect();
      } catch (err) {
        if (stopped) return;
        const e = asApiError(err);
        if (e.code === 'poll_not_found') {
          setState((s) => ({ ...s, phase: 'deleted', error: e }));
          return;
        }
        // Hidden results become visible when the poll closes (after_close): look again now and then.
        const hidden = e.code === 'results_hidden';
        setState((s) => ({ ...s, phase: hidden ? 'hidden' : 'reconnecting', error: e }));
        const wait = hidden ? 10_000 : e.retryAfterSec !== null ? e.retryAfterSec * 1000 : Math.min(15_000, 1000 * 2 ** failures++);
        timer = window.setTimeout(() => void diagnose(), wait);
      }
    };

    setState({ phase: 'connecting', results: null, error: null });
    connect();
    return () => {
      stopped = true;
      es?.close();
      window.clearTimeout(timer);
    };
  }, [pollId, enabled, ownerToken]);

  return state;
}
