/**
 * Fault matrix — retry storm: every key sent three times at once (same key, same body), as
 * clients that time out and retry together do. Exactly one row per key, and every copy of a key
 * gets the same answer (status and body).
 */
import { after, before, describe, it } from 'node:test';
import { faultsSkip, runCase, size, startFleet, type Fleet } from './fleet.js';

const skip = faultsSkip();
const KEYS = size(5_000, 10_000);

describe('fault matrix: retry storm', { skip, timeout: 1_800_000 }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet();
  });
  after(() => fleet?.destroy());

  it(`${KEYS} keys each sent 3× at once → exactly ${KEYS} rows, identical answers per key`, async (t) => {
    await runCase(t, fleet, {
      name: 'retry storm',
      votes: KEYS,
      rate: size(1_000, 1_000),
      copies: 3,
      faultAfter: 0,
      async fault() {
        return { endedAt: Date.now() };
      },
      check(_load, f) {
        if (f.rows !== KEYS) throw new Error(`${f.rows} rows for ${KEYS} keys`);
      },
    });
  });
});
