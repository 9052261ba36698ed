import type { StoreConfig } from '../../config.js';
import type { Store } from '../../ports/store.js';

export async function createPostgresStore(_c: Extract<StoreConfig, { kind: 'postgres' }>): Promise<{ store: Store; shardCount: number }> {
  throw new Error('DATABASE_URL: the PostgreSQL store is not built yet');
}
