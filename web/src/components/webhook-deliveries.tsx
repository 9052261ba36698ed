/**
 * A workspace's webhook endpoints with their delivery logs (owners): each delivery's event,
 * status, attempts, last status code and error; replay one delivery, or every dead one of the last
 * 24 hours. A replay sends the same body with the same webhook-id (docs/webhooks.md).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, asApiError } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { authed } from '../lib/session.js';
import { ErrorNotice } from './error-notice.js';
import { Loading } from './layout.js';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
  activeSecrets: number;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  createdAt: string;
  nextAttemptAt: string | null;
}

const STATUS_WORDS = { pending: 'Pending', delivered: 'Delivered', dead: 'Failed' } as const;

export function WebhookDeliveries({ workspaceId }: { workspaceId: string }) {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const base = `/v1/workspaces/${encodeURIComponent(workspaceId)}/webhooks`;
  useEffect(() => {
    authed<{ webhooks: Webhook[] }>('GET', base).then(
      (r) => setHooks(r.webhooks),
      (err) => setError(asApiError(err)),
    );
  }, [base]);
  return (
    <section class="card" aria-labelledby="webhooks-title" data-testid="webhooks">
      <h2 id="webhooks-title">Webhooks</h2>
      {error && <ErrorNotice error={error} />}
      {hooks === null ? (
        !error && <Loading />
      ) : hooks.length === 0 ? (
        <p class="muted">No webhook endpoints. Add them with the API (POST {base}); see docs/webhooks.md.</p>
      ) : (
        hooks.map((h) => <Endpoint key={h.id} base={`${base}/${encodeURIComponent(h.id)}`} hook={h} />)
      )}
    </section>
  );
}

function Endpoint({ base, hook }: { base: string; hook: Webhook }) {
  const [open, setOpen] = useState(false);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      setDeliveries((await authed<{ deliveries: Delivery[] }>('GET', `${base}/deliveries?limit=50`)).deliveries);
      setError(null);
    } catch (err) {
      setError(asApiError(err));
    }
  }, [base]);
  useEffect(() => {
    if (open) void reload();
  }, [open, reload]);

  async function replay(path: string, body: unknown, what: string) {
    setBusy(true);
    setSaid('');
    try {
      const r = await authed<{ replayed: number }>('POST', path, body === undefined ? {} : { body });
      setSaid(r.replayed === 0 ? `Nothing to send again (${what}).` : `${r.replayed} sent again (${what}).`);
      await reload();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }
  const replayFailed = () => {
    const to = new Date();
    void replay(
      `${base}/replay`,
      { from: new Date(to.getTime() - 24 * 3_600_000).toISOString(), to: to.toISOString(), onlyFailed: true },
      'failed deliveries of the last 24 hours',
    );
  };

  return (
    <details
      class="webhook"
      open={open}
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
      data-webhook={hook.id}
    >
      <summary>
        <strong class="webhook-url">{hook.url}</strong> <span class="muted small">{hook.events.join(', ')}</span>
      </summary>
      {error && <ErrorNotice error={error} />}
      <p class="actions">
        <button type="button" class="btn secondary small" disabled={busy} onClick={replayFailed}>
          Send failed ones again (last 24 h)
        </button>
        <button type="button" class="btn secondary small" disabled={busy} onClick={() => void reload()}>
          Refresh
        </button>
      </p>
      <p class="said" role="status">
        {said}
      </p>
      {deliveries === null ? (
        !error && <Loading />
      ) : deliveries.length === 0 ? (
        <p class="muted">No deliveries yet.</p>
      ) : (
        <table class="delivery-log" data-testid="delivery-log">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-delivery={d.id}>
                <td>
                  {d.eventType}
                  <br />
                  <span class="muted small">{d.eventId}</span>
                </td>
                <td>
                  <span class={`badge delivery-${d.status}`}>{STATUS_WORDS[d.status]}</span>
                  {d.nextAttemptAt && <span class="muted small"> next {formatTime(d.nextAttemptAt)}</span>}
                </td>
                <td>{d.attempts}</td>
                <td>
                  {d.lastStatus ?? '—'}
                  {d.lastDurationMs !== null && <span class="muted small"> · {d.lastDurationMs} ms</span>}
                  {d.lastError && <div class="muted small">{d.lastError}</div>}
                </td>
                <td class="small">{formatTime(d.createdAt)}</td>
                <td>
                  {d.status !== 'pending' && (
                    <button
                      type="button"
                      class="btn secondary small"
                      disabled={busy}
                      onClick={() =>
                        void replay(`${base}/deliveries/${encodeURIComponent(d.id)}/replay`, undefined, d.eventType)
                      }
                      aria-label={`Send ${d.eventType} again`}
                    >
                      Send again
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
