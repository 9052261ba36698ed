import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newWebhookSecret, signature, signedHeaders, verifySignature } from '../../src/domain/webhook-signature.js';

describe('Standard Webhooks signatures', () => {
  it('matches the specification example', () => {
    // The example of the Standard Webhooks specification (and the svix libraries' tests).
    const sig = signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(sig, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every active secret during a rotation; a receiver with either accepts, a stale or altered one does not', () => {
    const [oldS, newS, other] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"poll.closed"}';
    const h = signedHeaders([newS, oldS], 'msg_1', 1_700_000_000, body);
    assert.equal(h['webhook-signature']!.split(' ').length, 2);
    assert.ok(verifySignature(oldS, h, body, 1_700_000_010));
    assert.ok(verifySignature(newS, h, body, 1_700_000_010));
    assert.equal(verifySignature(other, h, body, 1_700_000_010), false, 'another secret');
    assert.equal(verifySignature(newS, h, body + ' ', 1_700_000_010), false, 'an altered body');
    assert.equal(verifySignature(newS, h, body, 1_700_000_000 + 301), false, 'outside the tolerance');
    assert.equal(verifySignature(newS, { ...h, 'webhook-id': 'msg_2' }, body, 1_700_000_010), false, 'another id');
  });
});
