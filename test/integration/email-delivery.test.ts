/**
 * E-mail through the delivery queue against a real SMTP server this test starts (`smtp-server` on
 * 127.0.0.1): sign-up sends one verification message whose link verifies the address; a password
 * reset request answers the same for every address and mails only an existing account, once, with
 * a link that works once (tampered → 400, expired → 410, reused → 409); an invitation is mailed and
 * can be accepted once, only with a confirmed address; a closed poll mails its owner a summary;
 * with the SMTP server down, messages wait and go out once when it is back. Every message the
 * server receives is recorded; counts are exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { AccountLinks, fingerprint } from '../../src/domain/account-links.js';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { signUp, workspacePoll } from '../support/accounts.js';
import { eventually, sleep } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';

interface Mail {
  to: string;
  subject: string;
  messageId: string;
  text: string;
}

/** Quoted-printable soft breaks and escapes, as nodemailer writes long lines. */
const unQp = (s: string) =>
  s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

function parse(raw: string, rcpt: string): Mail {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = new Map<string, string>();
  for (const line of head!.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const body = rest.join('\n\n');
  const text = /quoted-printable/i.test(headers.get('content-transfer-encoding') ?? '') ? unQp(body) : body;
  return { to: rcpt, subject: headers.get('subject') ?? '', messageId: headers.get('message-id') ?? '', text };
}

const SECRET = 'email-delivery-test-secret-0123456789abcdef';
const PUBLIC = 'https://polls.example.test';

describe('e-mail through the delivery queue, against a real SMTP server', () => {
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let port = 0;
  let t: TestApp;

  const startSmtp = async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => {
          for (const r of session.envelope.rcptTo) mails.push(parse(raw, r.address));
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', () => r()));
    port = (smtp.server.address() as { port: number }).port;
  };
  const stopSmtp = () => new Promise<void>((r) => smtp.close(() => r()));

  before(async () => {
    await startSmtp();
    t = await startTestApp({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_FROM: 'pollcast <noreply@polls.example.test>',
      PUBLIC_URL: PUBLIC,
      POLLCAST_SECRET: SECRET,
      EMAIL_CLOSE_SUMMARIES: 'true',
      DELIVERY_RETRY_BASE_MS: '100',
      DELIVERY_RETRY_MAX_DELAY_MS: '300',
      DELIVERY_MAX_ATTEMPTS: '100',
    });
  });
  after(async () => {
    await t?.stop();
    await stopSmtp();
  });

  const to = (addr: string) => mails.filter((m) => m.to === addr);
  const linkToken = (m: Mail, path: string) => {
    const found = new RegExp(`${PUBLIC.replace(/\./g, '\\.')}${path}#token=([A-Za-z0-9_.-]+)`).exec(m.text);
    assert.ok(found, `a ${path} link in: ${m.text}`);
    return found[1]!;
  };

  it('sign-up mails one verification link; it verifies the address; a tampered one is refused', async () => {
    const a = await signUp(t.url, 'Verifier');
    const [m] = await eventually(() => to(a.email!).length > 0 && to(a.email!), 'the verification e-mail');
    assert.match(m!.subject, /Confirm your e-mail/);
    const token = linkToken(m!, '/verify');
    assertProblem(
      await call(t.url, 'POST', '/v1/auth/verify-email', { token: token.slice(0, -2) + 'xx' }),
      'verify_link_invalid',
    );
    assert.equal((await call(t.url, 'GET', '/v1/me', undefined, a.headers)).json.emailVerified, false);
    assert.equal((await call(t.url, 'POST', '/v1/auth/verify-email', { token })).status, 204);
    assert.equal((await call(t.url, 'GET', '/v1/me', undefined, a.headers)).json.emailVerified, true);
    assert.equal(
      (await call(t.url, 'POST', '/v1/auth/verify-email', { token })).status,
      204,
      'verifying twice is harmless',
    );
    await sleep(300);
    assert.equal(to(a.email!).length, 1, 'one message');
  });

  it('password reset: the same answer for every address; one message, a link that works once; tampered → 400, expired → 410, reused → 409', async () => {
    const a = await signUp(t.url, 'Forgetful');
    await eventually(() => to(a.email!).length === 1, 'the verification e-mail first');
    const unknown = `nobody-${Date.now()}@example.test`;
    const r1 = await call(t.url, 'POST', '/v1/auth/password-reset', { email: a.email });
    const r2 = await call(t.url, 'POST', '/v1/auth/password-reset', { email: unknown });
    assert.deepEqual([r1.status, r1.text], [202, '']);
    assert.deepEqual([r2.status, r2.text], [r1.status, r1.text], 'nothing tells the addresses apart');
    const reset = await eventually(
      () => to(a.email!).find((m) => /Reset your pollcast password/.test(m.subject)),
      'the reset e-mail',
    );
    const token = linkToken(reset, '/reset');

    assertProblem(
      await call(t.url, 'POST', '/v1/auth/password-reset/confirm', {
        token: token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        password: 'a new long passphrase 1',
      }),
      'reset_link_invalid',
    );
    assertProblem(
      await call(t.url, 'POST', '/v1/auth/password-reset/confirm', {
        token: 'reset.e30.xyz',
        password: 'a new long passphrase 1',
      }),
      'reset_link_invalid',
    );
    const expired = new AccountLinks(SECRET).issue('reset', {
      u: a.userId!,
      x: Date.now() - 1,
      f: fingerprint('irrelevant'),
    });
    assertProblem(
      await call(t.url, 'POST', '/v1/auth/password-reset/confirm', {
        token: expired,
        password: 'a new long passphrase 1',
      }),
      'reset_link_expired',
    );

    assert.equal(
      (await call(t.url, 'POST', '/v1/auth/password-reset/confirm', { token, password: 'a new long passphrase 1' }))
        .status,
      204,
    );
    assertProblem(await call(t.url, 'GET', '/v1/me', undefined, a.headers), 'authentication_required');
    assert.equal(
      (await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: 'a new long passphrase 1' })).status,
      200,
    );
    assertProblem(
      await call(t.url, 'POST', '/v1/auth/password-reset/confirm', { token, password: 'yet another passphrase 2' }),
      'reset_link_used',
    );
    assert.equal(
      (await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: 'yet another passphrase 2' })).status,
      401,
      'the reused link changed nothing',
    );

    await sleep(300);
    assert.equal(to(a.email!).length, 2, 'verification + one reset');
    assert.equal(to(unknown).length, 0, 'nothing to an address without an account');
  });

  it('invitations are mailed; accepting needs a confirmed address and works once', async () => {
    const owner = await signUp(t.url, 'Inviter');
    const invitee = await signUp(t.url, 'Invitee');
    const verifyMail = await eventually(() => to(invitee.email!)[0], "the invitee's verification e-mail");
    const r = await call(
      t.url,
      'POST',
      `/v1/workspaces/${owner.workspaceId}/invitations`,
      { email: invitee.email, role: 'editor' },
      owner.headers,
    );
    assert.equal(r.status, 202, r.text);
    const id = r.json.invitation.id as string;
    const stranger = `stranger-${Date.now()}@example.test`;
    const r2 = await call(
      t.url,
      'POST',
      `/v1/workspaces/${owner.workspaceId}/invitations`,
      { email: stranger, role: 'editor' },
      owner.headers,
    );
    assert.equal(r2.status, r.status, 'the same answer for an address without an account');
    const inv = await eventually(
      () => to(invitee.email!).find((m) => /invited you/.test(m.subject)),
      'the invitation e-mail',
    );
    assert.ok(inv.text.includes(`${PUBLIC}/account?invitation=${id}`), inv.text);
    assert.ok(inv.subject.includes('Inviter'));

    assertProblem(
      await call(t.url, 'POST', `/v1/me/invitations/${id}/accept`, undefined, invitee.headers),
      'email_not_verified',
    );
    assert.equal(
      (await call(t.url, 'POST', '/v1/auth/verify-email', { token: linkToken(verifyMail, '/verify') })).status,
      204,
    );
    const ok = await call(t.url, 'POST', `/v1/me/invitations/${id}/accept`, undefined, invitee.headers);
    assert.equal(ok.status, 200, ok.text);
    assertProblem(
      await call(t.url, 'POST', `/v1/me/invitations/${id}/accept`, undefined, invitee.headers),
      'invitation_not_found',
    );
    await eventually(() => to(stranger).length === 1, 'the stranger got their invitation too');
    await sleep(300);
    assert.equal(to(invitee.email!).length, 2, 'verification + invitation, once each');
  });

  it('a closed workspace poll mails its owner one summary', async () => {
    const owner = await signUp(t.url, 'Summary');
    const poll = await workspacePoll(t.url, owner, owner.workspaceId!);
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] })).status,
        201,
      );
    assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/close`, undefined, owner.headers)).status, 200);
    const m = await eventually(() => to(owner.email!).find((x) => /Poll closed/.test(x.subject)), 'the summary');
    assert.match(m.text, /closed with 3 voters/);
    assert.ok(m.text.includes(`${PUBLIC}/p/${poll.id}/results`));
    await sleep(300);
    assert.equal(to(owner.email!).filter((x) => /Poll closed/.test(x.subject)).length, 1);
  });

  it('with the SMTP server down, messages wait; when it is back they go out, once each', async () => {
    const a = await signUp(t.url, 'Patient');
    await eventually(() => to(a.email!).length === 1, 'the verification e-mail');
    await stopSmtp();
    assert.equal(
      (await call(t.url, 'POST', '/v1/auth/password-reset', { email: a.email })).status,
      202,
      'accepted while SMTP is down',
    );
    const b = await signUp(t.url, 'WhileDown');
    // Several attempts fail meanwhile (refused connections), each scheduled again.
    await sleep(1_500);
    assert.equal(to(a.email!).length, 1);
    assert.equal(to(b.email!).length, 0);
    if (t.backend === 'embedded') {
      const db = new Database(join(t.dataDir, 'deliveries.db'), { readonly: true });
      try {
        const failed = db
          .prepare(
            "SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel = 'email' AND a.ok = 0",
          )
          .pluck()
          .get() as number;
        assert.ok(failed >= 2, `attempts failed while SMTP was down (${failed})`);
        assert.equal(
          db.prepare("SELECT count(*) FROM deliveries WHERE channel = 'email' AND status = 'dead'").pluck().get(),
          0,
          'none given up',
        );
      } finally {
        db.close();
      }
    }
    await startSmtp();
    await eventually(
      () => to(a.email!).length === 2 && to(b.email!).length === 1,
      'the waiting messages went out',
      15_000,
    );
    await sleep(1_000);
    assert.equal(to(a.email!).length, 2, 'the reset once');
    assert.equal(to(b.email!).length, 1, 'the verification once');
    const ids = mails.map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, 'no Message-ID twice across the whole run');
  });
});
