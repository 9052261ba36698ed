/**
 * The event store port: events (a presenter's session of questions under one join code). The
 * questions themselves are polls in the vote store. Adapters: embedded (SQLite file `events.db`
 * under DATA_DIR) and PostgreSQL (its own tables on the primary). Both pass
 * test/contract/event-store-contract.ts.
 *
 * Contract:
 * - A join code belongs to at most one event (a unique key): `create` answers false, writing
 *   nothing, when the code is taken, so the caller draws another.
 * - `update` replaces the event only if its version is still `expectedVersion` (optimistic).
 * - Codes are stored and looked up upper case; the caller normalizes what a person typed.
 * - A quiz nickname's key (domain/quiz.ts nicknameKey) belongs to at most one participant per
 *   event (a unique key): `setNickname` answers false, writing nothing, when another holds it.
 */
import type { LiveEvent } from '../domain/event.js';

export interface EventStore {
  readonly kind: string;
  migrate(): Promise<void>;
  /** False when the join code is taken. */
  create(ev: LiveEvent): Promise<boolean>;
  get(id: string): Promise<LiveEvent | null>;
  getByCode(code: string): Promise<LiveEvent | null>;
  update(next: LiveEvent, expectedVersion: number): Promise<boolean>;
  /** A workspace's events, newest first, `limit` at a time (`before`: the previous page's last createdAt). */
  listInWorkspace(workspaceId: string, page: { limit: number; before?: number }): Promise<LiveEvent[]>;
  delete(id: string): Promise<boolean>;
  /** Sets (or replaces) the voter's quiz nickname in the event; false when another voter holds `key`. */
  setNickname(eventId: string, voterId: string, nickname: string, key: string): Promise<boolean>;
  /** Every participant's nickname in the event. */
  nicknames(eventId: string): Promise<Array<{ voterId: string; nickname: string }>>;
  close(): Promise<void>;
}
