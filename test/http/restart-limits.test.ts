/**
 * What a restart must not undo (issue 12): a proof-of-work challenge once used stays used, and a
 * poll's per-address cap keeps counting, after the server stops and starts again on the same
 * DATA_DIR (embedded: `limits.db`; distributed: Redis keeps them).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { solve } from '../../src/domain/proof-of-work.js';
import { call, createPoll, startTestApp } from '../support/app.js';

describe('HTTP: limits across a restart', () => {
  it('a used challenge is still refused and an ipCap still holds after a restart on the same DATA_DIR', async () => {
    const first = await startTestApp();
    const dataDir = first.dataDir;
    try {
      const { poll: capped } = await createPoll(first.url, { ipCap: 2 });
      const { poll: pow } = await createPoll(first.url, { powDifficulty: 8 });
      const vote = (base: string, pollId: string, body: Record<string, unknown>) => call(base, 'POST', `/v1/polls/${pollId}/votes`, body);
      for (let i = 0; i < 2; i++) assert.equal((await vote(first.url, capped.id, { optionIds: [capped.options[0]!.id] })).status, 201);
      const challenge = (await call(first.url, 'GET', `/v1/polls/${pow.id}/challenge`)).json.challenge as string;
      const proof = { challenge, solution: solve(challenge, 8) };
      assert.equal((await vote(first.url, pow.id, { optionIds: [pow.options[0]!.id], pow: proof })).status, 201);
      await first.app.shutdown('restart');

      const again = await startTestApp({ DATA_DIR: dataDir });
      try {
        const reused = await vote(again.url, pow.id, { optionIds: [pow.options[0]!.id], pow: proof });
        assert.equal(reused.status, 403, reused.text);
        assert.equal(reused.json.code, 'proof_of_work_invalid');
        const third = await vote(again.url, capped.id, { optionIds: [capped.options[0]!.id] });
        assert.equal(third.status, 403, third.text);
        assert.equal(third.json.code, 'ip_cap_reached');
        const fresh = (await call(again.url, 'GET', `/v1/polls/${pow.id}/challenge`)).json.challenge as string;
        assert.equal((await vote(again.url, pow.id, { optionIds: [pow.options[0]!.id], pow: { challenge: fresh, solution: solve(fresh, 8) } })).status, 201, 'a fresh challenge still buys a vote');
      } finally {
        await again.stop();
      }
    } finally {
      await first.app.shutdown('test cleanup');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
