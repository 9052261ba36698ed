/** A bounded map whose entries expire: for credentials looked up on every request. */
export class TtlCache<V> {
  readonly #map = new Map<string, { value: V; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const hit = this.#map.get(key);
    if (!hit) return undefined;
    if (hit.expires <= now) {
      this.#map.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    this.#map.delete(key);
    // Oldest first: Map keeps insertion order, so the first key is the one to drop.
    if (this.#map.size >= this.maxEntries) this.#map.delete(this.#map.keys().next().value as string);
    this.#map.set(key, { value, expires: now + this.ttlMs });
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Drops every entry whose value matches (e.g. all cached sessions of a user). */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [k, v] of this.#map) if (match(v.value)) this.#map.delete(k);
  }
}
