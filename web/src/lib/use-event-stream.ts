/** Follows an event: the latest frame of GET /v1/events/{id}/stream (EventSource reconnects by itself). */
import { useEffect, useState } from 'preact/hooks';
import type { EventFrame } from './types.js';

export function useEventStream(
  eventId: string | null,
  presenter = false,
): { frame: EventFrame | null; connected: boolean; gone: boolean } {
  const [frame, setFrame] = useState<EventFrame | null>(null);
  const [connected, setConnected] = useState(false);
  const [gone, setGone] = useState(false);
  useEffect(() => {
    if (!eventId) return;
    const es = new EventSource(
      `/v1/events/${encodeURIComponent(eventId)}/stream${presenter ? '?screen=presenter' : ''}`,
    );
    es.addEventListener('event', (e) => setFrame(JSON.parse((e as MessageEvent<string>).data) as EventFrame));
    es.addEventListener('deleted', () => {
      setGone(true);
      es.close();
    });
    es.onopen = () => setConnected(true);
    es.onerror = () => setConnected(false);
    return () => es.close();
  }, [eventId, presenter]);
  return { frame, connected, gone };
}

const EVENT_OWNER = 'pollcast.event.';
export function eventOwnerToken(eventId: string): string | null {
  try {
    return localStorage.getItem(EVENT_OWNER + eventId);
  } catch {
    return null;
  }
}
export function saveEventOwnerToken(eventId: string, token: string): void {
  try {
    localStorage.setItem(EVENT_OWNER + eventId, token);
  } catch {
    /* storage unavailable: the owner link in the console carries the token instead */
  }
}
