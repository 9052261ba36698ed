/** Loads a poll; retries by itself while the network or server is down. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, asApiError } from './api.js';
import { isPollId } from './join-code.js';
import type { Poll } from './types.js';

export interface PollState {
  poll: Poll | null;
  error: ApiError | null;
  loading: boolean;
  reload(): Promise<void>;
  /** Replace the poll with one an owner action returned. */
  setPoll(p: Poll): void;
}

export function usePoll(pollId: string): PollState {
  const [poll, setPoll] = useState<Poll | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const timer = useRef<number | undefined>(undefined);
  const attempt = useRef(0);

  const reload = useCallback(async () => {
    window.clearTimeout(timer.current);
    if (!isPollId(pollId)) {
      setError(new ApiError(404, 'poll_not_found', { status: 404, code: 'poll_not_found' }, null));
      setLoading(false);
      return;
    }
    try {
      const r = await api<{ poll: Poll }>('GET', `/v1/polls/${pollId}`);
      attempt.current = 0;
      setPoll(r.poll);
      setError(null);
    } catch (err) {
      const e = asApiError(err);
      setError(e);
      if (e.retryable) {
        const wait = e.retryAfterSec !== null ? e.retryAfterSec * 1000 : Math.min(15_000, 1000 * 2 ** attempt.current++);
        timer.current = window.setTimeout(() => void reload(), wait);
      }
    } finally {
      setLoading(false);
    }
  }, [pollId]);

  useEffect(() => {
    setPoll(null);
    setLoading(true);
    void reload();
    const online = () => void reload();
    window.addEventListener('online', online);
    return () => {
      window.clearTimeout(timer.current);
      window.removeEventListener('online', online);
    };
  }, [reload]);

  return { poll, error, loading, reload, setPoll };
}
