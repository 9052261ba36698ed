/** The delivery store contract on PostgreSQL, in a scratch schema dropped after. */
import { PostgresDeliveryStore } from '../../src/adapters/postgres/postgres-delivery-store.js';
import { dropSchema, PG_URL, scratchName } from '../support/postgres.js';
import { needServices } from '../support/services.js';
import { runDeliveryStoreContract } from './delivery-store-contract.js';

const skip = await needServices('postgres');

runDeliveryStoreContract(
  'PostgreSQL',
  async () => {
    const schema = scratchName('pollcast_dlv_test');
    const store = new PostgresDeliveryStore({ url: PG_URL, schema });
    await store.migrate();
    return { store, cleanup: () => dropSchema(schema) };
  },
  { skip },
);
