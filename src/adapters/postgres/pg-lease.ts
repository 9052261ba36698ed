/**
 * Cluster-wide leadership as a lease row, not a session advisory lock: a session lock lives on
 * one server connection, which PgBouncer's transaction pooling hands to someone else after every
 * transaction. A lease is a row (name, holder, expires_at) taken with one upsert that succeeds
 * only when the row is free, expired or already ours, judged by the database clock. The holder
 * renews it every ttl/3; a holder that dies or loses the database stops renewing, and another
 * process takes over once the lease has run out (at most `ttlMs` later).
 */
import { randomBytes } from 'node:crypto';
import type { PgLink } from './pg-link.js';
import type { Sql } from './pg-sql.js';

interface Held {
  name: string;
  holder: string;
  timer: NodeJS.Timeout;
}

export class PgLeases {
  readonly #held = new Map<string, Held>();

  constructor(
    private readonly link: PgLink,
    private readonly sql: Sql,
    private readonly ttlMs: number,
  ) {}

  async tryLead(name: string): Promise<(() => Promise<void>) | null> {
    const holder = randomBytes(12).toString('base64url');
    const rows = await this.link.query(this.sql.takeLease, [name, holder, this.ttlMs]);
    if (rows.length === 0) return null;
    const renew = () => {
      // A failed renewal is retried on the next tick; the lease covers two missed ones.
      this.link.query(this.sql.takeLease, [name, holder, this.ttlMs]).then(
        (r) => r.length === 0 && this.#drop(holder),
        () => {},
      );
    };
    const timer = setInterval(renew, Math.max(50, Math.floor(this.ttlMs / 3)));
    timer.unref();
    this.#held.set(holder, { name, holder, timer });
    return async () => {
      if (!this.#drop(holder)) return;
      await this.link.query(this.sql.releaseLease, [name, holder]);
    };
  }

  #drop(holder: string): boolean {
    const h = this.#held.get(holder);
    if (!h) return false;
    clearInterval(h.timer);
    this.#held.delete(holder);
    return true;
  }

  /** Stops renewing and hands back every lease still held, so a successor need not wait. */
  async close(): Promise<void> {
    const held = [...this.#held.values()];
    for (const h of held) this.#drop(h.holder);
    await Promise.allSettled(held.map((h) => this.link.query(this.sql.releaseLease, [h.name, h.holder])));
  }
}
