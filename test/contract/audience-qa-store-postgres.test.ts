/**
 * The audience Q&A store contract on PostgreSQL, in a scratch schema dropped after (named in the
 * URL as DATABASE_URL would); `other` is a second store with its own pool, like another process.
 */
import { PostgresAudienceQaStore } from '../../src/adapters/postgres/postgres-audience-qa-store.js';
import { needServices } from '../support/services.js';
import { dropSchema, PG_URL, scratchName } from '../support/postgres.js';
import { runQaStoreContract } from './audience-qa-store-contract.js';

const skip = await needServices('postgres');

runQaStoreContract(
  'PostgresAudienceQaStore',
  async () => {
    const schema = scratchName('pollcast_qa_test');
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    const open = async () => {
      const s = new PostgresAudienceQaStore({ url: url.toString() });
      await s.migrate();
      return s;
    };
    return { store: await open(), other: open, cleanup: () => dropSchema(schema) };
  },
  { skip },
);
