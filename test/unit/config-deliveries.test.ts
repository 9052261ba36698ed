/** E-mail and delivery settings: off by default; SMTP needs its sender and public URL (all problems at once); retry bounds checked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('config: e-mail and deliveries', () => {
  it('e-mail is off without SMTP_URL; deliveries default to 30 s doubling to 4 h, 15 attempts', () => {
    const c = loadConfig({});
    assert.deepEqual(c.email, { kind: 'off' });
    assert.deepEqual(c.deliveries, { retryBaseMs: 30_000, retryMaxDelayMs: 4 * 3_600_000, maxAttempts: 15 });
    assert.equal(c.webhooks.timeoutMs, 10_000);
  });

  it('SMTP with its sender and public URL (trailing slash dropped)', () => {
    const c = loadConfig({
      SMTP_URL: 'smtp://u:p@mail.example.com:587',
      SMTP_FROM: 'pollcast <noreply@example.com>',
      PUBLIC_URL: 'https://polls.example.com/',
      EMAIL_CLOSE_SUMMARIES: 'true',
    });
    assert.deepEqual(c.email, {
      kind: 'smtp',
      url: 'smtp://u:p@mail.example.com:587',
      from: 'pollcast <noreply@example.com>',
      publicUrl: 'https://polls.example.com',
      closeSummaries: true,
    });
  });

  it('refuses SMTP without SMTP_FROM and PUBLIC_URL (both named), a non-SMTP URL, a From over two lines, and a cap below the base', () => {
    const p = problems({ SMTP_URL: 'smtp://mail.example.com' });
    assert.ok(p.some((x) => x.startsWith('SMTP_FROM:')) && p.some((x) => x.startsWith('PUBLIC_URL:')), p.join('\n'));
    assert.ok(
      problems({ SMTP_URL: 'http://mail.example.com', SMTP_FROM: 'a@b.c', PUBLIC_URL: 'https://x.y' }).some((x) =>
        x.startsWith('SMTP_URL:'),
      ),
    );
    assert.ok(
      problems({ SMTP_URL: 'smtp://m', SMTP_FROM: 'a@b.c\r\nBcc: x@y.z', PUBLIC_URL: 'https://x.y' }).some((x) =>
        x.startsWith('SMTP_FROM:'),
      ),
    );
    assert.ok(
      problems({ DELIVERY_RETRY_BASE_MS: '60000', DELIVERY_RETRY_MAX_DELAY_MS: '1000' }).some((x) =>
        x.startsWith('DELIVERY_RETRY_MAX_DELAY_MS:'),
      ),
    );
    assert.ok(problems({ DELIVERY_MAX_ATTEMPTS: '0' }).some((x) => x.startsWith('DELIVERY_MAX_ATTEMPTS:')));
  });
});
