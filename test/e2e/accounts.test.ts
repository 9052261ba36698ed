/**
 * Accounts in the browser app, in real headless Chromium against a real pollcast (embedded
 * backends): sign up, log out and in, a workspace poll created on the create page and managed
 * with the session, API keys shown once, invite codes, proof of work, account votes. Each person
 * is their own browser context (cookies, storage). Screenshots go to .tmp/screens/.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launchBrowser, needBrowser, type PageDom } from '../support/browser.js';
import { ERROR_MESSAGES } from '../../web/src/lib/error-messages.js';

const skip = needBrowser();
const SCREENS = fileURLToPath(new URL('../../.tmp/screens/', import.meta.url));
const T = 15_000;
const PASSWORD = 'correct horse battery staple';

describe('accounts in the web app (Chromium)', { skip }, () => {
  let t: TestApp;
  let u: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no uncaught errors in the pages'));

  before(async () => {
    ensureWebBuilt();
    mkdirSync(SCREENS, { recursive: true });
    [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
    u = t.url;
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await t?.stop();
  });

  async function device(width = 1280, height = 800): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    ctx.setDefaultTimeout(T);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    return page;
  }

  const total = async (pollId: string) => {
    const r = await call(u, 'GET', `/v1/polls/${pollId}/results`);
    assert.equal(r.status, 200, r.text);
    return (r.json as { total: number }).total;
  };

  async function vote(page: Page, option: string): Promise<void> {
    await page.getByRole('radio', { name: option }).check();
    await page.getByRole('button', { name: 'Vote', exact: true }).click();
  }

  const email = `ada-${process.pid}-${Date.now()}@example.test`;
  let owner: Page;
  let workspaceId = '';

  /** The signed-up user's session, for API calls the tests make as them. */
  async function ownerHeaders(): Promise<Record<string, string>> {
    const cookies = await owner.context().cookies(u);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const me = await call(u, 'GET', '/v1/me', undefined, { cookie });
    assert.equal(me.status, 200, me.text);
    return { cookie, 'x-csrf-token': me.json.csrfToken as string };
  }

  it('sign up → lands logged in on the workspace page; the header shows the name', async () => {
    owner = await device();
    await owner.goto(u + '/');
    await owner.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign up' }).click();
    await owner.waitForURL(/\/signup$/);
    await owner.getByLabel('Your name (optional)').fill('Ada Lovelace');
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill('short');
    await owner.getByRole('button', { name: 'Sign up' }).click();
    await owner.locator('[role=alert][data-code=weak_password]').waitFor();
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Sign up' }).click();
    await owner.waitForURL(/\/w\/w_[A-Za-z0-9]{12}$/);
    workspaceId = /\/w\/(w_[A-Za-z0-9]{12})$/.exec(owner.url())![1]!;
    assert.equal(await owner.getByTestId('user-name').innerText(), 'Ada Lovelace');
    await owner.getByRole('heading', { name: 'Ada Lovelace\'s workspace' }).waitFor();
    await owner.getByText('No polls in this workspace yet.').waitFor();
    // A reload keeps the session (cookie) and fetches the CSRF token again.
    await owner.reload();
    await owner.getByTestId('user-name').waitFor();
    assert.ok((await ownerHeaders())['x-csrf-token']!.length > 10);
  });

  it('log out → the header offers Log in; a wrong password shows the error; the right one logs in and returns to ?next=', async () => {
    await owner.getByRole('button', { name: 'Log out' }).click();
    await owner.waitForURL(u + '/');
    await owner.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Log in' }).waitFor();
    assert.equal((await call(u, 'GET', '/v1/me', undefined, { cookie: (await owner.context().cookies(u)).map((c) => `${c.name}=${c.value}`).join('; ') })).status, 401);

    // A page that needs a login sends there and comes back after.
    await owner.goto(`${u}/w/${workspaceId}`);
    await owner.waitForURL(/\/login\?next=/);
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill('not the password at all');
    await owner.getByRole('button', { name: 'Log in' }).click();
    const alert = owner.locator('[role=alert][data-code=invalid_credentials]');
    await alert.waitFor();
    assert.equal(await alert.innerText(), ERROR_MESSAGES.invalid_credentials);
    assert.equal(await owner.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    await shoot(owner, 'login-error', 1280);

    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Log in' }).click();
    await owner.waitForURL(`${u}/w/${workspaceId}`);
    assert.equal(await owner.getByTestId('user-name').innerText(), 'Ada Lovelace');
  });

  it('a workspace poll made on the create page is managed with the session: listed, opened, closed, deleted', async () => {
    await owner.getByRole('link', { name: 'New poll in this workspace' }).click();
    await owner.waitForURL(/\/\?workspace=/);
    assert.equal(await owner.getByLabel('Create in').inputValue(), workspaceId);
    await owner.getByLabel('Question').fill('Where do we meet?');
    await owner.getByLabel('Option 1', { exact: true }).fill('Library');
    await owner.getByLabel('Option 2', { exact: true }).fill('Café');
    await owner.getByText('Schedule, results and voters').click();
    await owner.getByLabel('Keep it closed until I open it (draft)').check();
    await owner.getByRole('button', { name: 'Create poll' }).click();
    await owner.waitForURL(/\/p\/[2-9a-zA-Z]{12}\/manage$/);
    const pollId = /\/p\/([2-9a-zA-Z]{12})\/manage$/.exec(owner.url())![1]!;
    await owner.getByTestId('poll-status').getByText('Not open yet (draft)').waitFor();
    const stored = await owner.evaluate((id) => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('pollcast.owner.' + id), pollId);
    assert.equal(stored, null, 'a workspace poll has no owner token');

    await owner.getByRole('link', { name: 'My polls' }).click();
    await owner.waitForURL(`${u}/w/${workspaceId}`);
    const row = owner.locator(`[data-poll="${pollId}"]`);
    await row.getByText('Where do we meet?').waitFor();
    assert.equal(await row.getByTestId('poll-row-status').innerText(), 'Draft');
    await row.getByRole('link', { name: 'Manage: Where do we meet?' }).click();
    await owner.waitForURL(`${u}/p/${pollId}/manage`);

    await owner.getByRole('button', { name: 'Open voting' }).click();
    await owner.getByTestId('poll-status').getByText('Open for voting').waitFor();
    await owner.getByRole('button', { name: 'Close voting' }).click();
    await owner.getByTestId('poll-status').getByText('Closed').waitFor();
    assert.equal((await call(u, 'GET', `/v1/polls/${pollId}`)).json.poll.status, 'closed');

    await owner.getByRole('link', { name: 'All polls of the workspace' }).click();
    await owner.locator(`[data-poll="${pollId}"]`).getByTestId('poll-row-status').getByText('Closed').waitFor();
    await owner.locator(`[data-poll="${pollId}"]`).getByRole('link', { name: 'Manage: Where do we meet?' }).click();
    await owner.getByRole('button', { name: 'Delete poll' }).click();
    await owner.getByRole('button', { name: 'Yes, delete' }).click();
    await owner.waitForURL(`${u}/w/${workspaceId}`);
    await owner.getByText('No polls in this workspace yet.').waitFor();
    assert.equal((await call(u, 'GET', `/v1/polls/${pollId}`)).status, 404);
  });

  it('API keys: a new key is shown once (a reload shows only its prefix), works, and is refused once revoked', async () => {
    await owner.goto(`${u}/w/${workspaceId}`);
    await owner.getByRole('link', { name: 'API keys' }).click();
    await owner.waitForURL(`${u}/w/${workspaceId}/keys`);
    await owner.getByText('No active keys.').waitFor();
    await owner.getByLabel('Name', { exact: true }).fill('Event app');
    await owner.getByLabel(/Create and manage polls/).check();
    await owner.getByRole('button', { name: 'Create key' }).click();
    const keyField = owner.getByTestId('new-key-value');
    await keyField.waitFor();
    const key = await keyField.inputValue();
    assert.match(key, /^pk_/);
    assert.match(await owner.getByTestId('new-key').innerText(), /only time/);
    await owner.getByTestId('new-key').getByRole('button', { name: 'Copy' }).waitFor();
    const listed = owner.getByTestId('key-list');
    await listed.getByText('Event app').waitFor();
    assert.match(await listed.innerText(), /polls:read, polls:write/);
    await shoot(owner, 'keys-new', 1280);
    await owner.setViewportSize({ width: 360, height: 740 });
    await shoot(owner, 'keys-new', 360);
    await owner.setViewportSize({ width: 1280, height: 800 });

    const asKey = { authorization: `Bearer ${key}` };
    assert.equal((await call(u, 'GET', `/v1/workspaces/${workspaceId}/polls`, undefined, asKey)).status, 200);

    await owner.reload();
    await listed.getByText('Event app').waitFor();
    assert.equal(await owner.getByTestId('new-key').count(), 0, 'the key is not shown again');
    const body = await owner.locator('body').innerText();
    assert.ok(!body.includes(key), 'the full key is nowhere on the page');
    const prefix = (await listed.locator('.key-prefix').innerText()).replace('…', '');
    assert.ok(prefix.length >= 6 && key.startsWith(prefix), `the list shows the prefix ${prefix}`);

    await owner.getByRole('button', { name: 'Revoke Event app' }).click();
    await owner.getByRole('button', { name: 'Yes, revoke' }).click();
    await owner.getByText('No active keys.').waitFor();
    await owner.getByText(/was revoked/).waitFor();
    assert.equal((await call(u, 'GET', `/v1/workspaces/${workspaceId}/polls`, undefined, asKey)).status, 401);
  });

  it('invite poll: the manage page generates 5 codes (CSV download); a code votes once, again it says already voted', async () => {
    await owner.goto(u + '/');
    await owner.getByLabel('Create in').selectOption(workspaceId);
    await owner.getByLabel('Question').fill('Board election');
    await owner.getByLabel('Option 1', { exact: true }).fill('Grace');
    await owner.getByLabel('Option 2', { exact: true }).fill('Linus');
    await owner.getByText('Schedule, results and voters').click();
    await owner.getByLabel('One vote per').selectOption('invite');
    await shoot(owner, 'create-workspace', 1280);
    await owner.getByRole('button', { name: 'Create poll' }).click();
    await owner.waitForURL(/\/p\/[2-9a-zA-Z]{12}\/manage$/);
    const pollId = /\/p\/([2-9a-zA-Z]{12})\/manage$/.exec(owner.url())![1]!;

    await owner.getByLabel('How many codes').fill('5');
    await owner.getByRole('button', { name: 'Generate 5 codes' }).click();
    const codesField = owner.getByTestId('invite-codes');
    await codesField.waitFor();
    const codes = (await codesField.inputValue()).split('\n');
    assert.equal(codes.length, 5);
    assert.match(await owner.getByTestId('invite-result').innerText(), /shown only now/);
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Download codes (CSV)' }).click()]);
    assert.equal(download.suggestedFilename(), `pollcast-${pollId}-invites.csv`);
    const csv = await streamText(await download.createReadStream());
    for (const c of codes) assert.ok(csv.includes(`"${c}","${u}/p/${pollId}#invite=${c}"`), `CSV row for ${c}`);
    await shoot(owner, 'manage-invites', 1280);

    const phone = await device(360, 740);
    await phone.goto(`${u}/p/${pollId}`);
    await vote(phone, 'Grace');
    await phone.locator('[role=alert][data-code=invite_code_required]').waitFor();
    await phone.getByLabel('Your invite code').fill(codes[0]!);
    await phone.getByRole('button', { name: 'Vote', exact: true }).click();
    await phone.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    await shoot(phone, 'vote-invite', 360);

    const again = await device(360, 740);
    await again.goto(`${u}/p/${pollId}`);
    await again.getByLabel('Your invite code').fill(codes[0]!);
    await vote(again, 'Linus');
    await again.getByRole('heading', { name: 'You already voted' }).waitFor();
    assert.match(await again.locator('[data-state=already-voted]').innerText(), /Your counted vote: Grace/);

    // A vote link carries its code in the fragment.
    const linked = await device(360, 740);
    await linked.goto(`${u}/p/${pollId}#invite=${codes[1]}`);
    assert.equal(await linked.getByLabel('Your invite code').inputValue(), codes[1]);
    await vote(linked, 'Linus');
    await linked.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    assert.equal(await total(pollId), 2);
  });

  it('a quick invite poll (no account) issues its codes with the owner token', async () => {
    const host = await device();
    await host.goto(u + '/');
    assert.equal(await host.getByLabel('Create in').count(), 0, 'no workspace choice when logged out');
    await host.getByLabel('Question').fill('Quiz night winner?');
    await host.getByLabel('Option 1', { exact: true }).fill('Team A');
    await host.getByLabel('Option 2', { exact: true }).fill('Team B');
    await host.getByText('Schedule, results and voters').click();
    await host.getByLabel('One vote per').selectOption('invite');
    await host.getByRole('button', { name: 'Create poll' }).click();
    await host.waitForURL(/\/p\/[2-9a-zA-Z]{12}\/share$/);
    await host.getByTestId('manage-link').click();
    await host.getByLabel('How many codes').fill('2');
    await host.getByRole('button', { name: 'Generate 2 codes' }).click();
    assert.equal((await host.getByTestId('invite-codes').inputValue()).split('\n').length, 2);
  });

  it('proof-of-work poll: the browser solves the challenge ("Checking you\'re not a bot…") and the vote is counted', async () => {
    const { poll } = await createPoll(u, { question: 'Bots or not?', options: ['Human', 'Robot'], powDifficulty: 8 });
    const phone = await device(360, 740);
    const challenges: string[] = [];
    const bodies: string[] = [];
    phone.on('request', (r) => {
      if (r.url().endsWith(`/v1/polls/${poll.id}/challenge`)) challenges.push(r.method());
      if (r.url().endsWith(`/v1/polls/${poll.id}/votes`) && r.method() === 'POST') bodies.push(r.postData() ?? '');
    });
    await phone.goto(`${u}/p/${poll.id}`);
    await vote(phone, 'Human');
    await phone.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    assert.deepEqual(challenges, ['GET']);
    assert.equal(bodies.length, 1);
    const sent = JSON.parse(bodies[0]!) as { pow?: { challenge: string; solution: string } };
    assert.ok(sent.pow && sent.pow.challenge.startsWith('pow1.') && sent.pow.solution.length > 0, bodies[0]);
    assert.equal(await total(poll.id), 1);

    // Without the work the API refuses: the browser really did it.
    const bare = await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1]!.id] });
    assert.equal(bare.status, 403);
    assert.equal(bare.json.code, 'proof_of_work_required');
  });

  it('account poll: a visitor is offered "Log in to vote" (and comes back); the logged-in member votes once', async () => {
    const h = await ownerHeaders();
    const r = await call(u, 'POST', '/v1/polls', { question: 'Team lunch?', options: ['Pizza', 'Sushi'], workspaceId, identityMode: 'account' }, h);
    assert.equal(r.status, 201, r.text);
    const pollId = r.json.poll.id as string;

    const visitor = await device(360, 740);
    await visitor.goto(`${u}/p/${pollId}`);
    const login = visitor.getByRole('link', { name: 'Log in to vote' });
    await login.waitFor();
    assert.equal(await visitor.getByRole('button', { name: 'Vote', exact: true }).isDisabled(), true);
    assert.equal(await login.getAttribute('href'), `/login?next=${encodeURIComponent(`/p/${pollId}`)}`);

    await owner.goto(`${u}/p/${pollId}`);
    await vote(owner, 'Sushi');
    await owner.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    await owner.reload();
    await owner.getByRole('heading', { name: 'You already voted' }).waitFor();
    assert.equal(await total(pollId), 1);

    // The visitor follows the link, makes an account on the way, and lands back on the ballot.
    await login.click();
    await visitor.waitForURL(/\/login\?next=/);
    await visitor.getByRole('link', { name: 'Create an account' }).click();
    await visitor.waitForURL(/\/signup\?next=/);
    await visitor.getByLabel('Email').fill(`visitor-${process.pid}-${Date.now()}@example.test`);
    await visitor.getByLabel('Password').fill(PASSWORD);
    await visitor.getByRole('button', { name: 'Sign up' }).click();
    await visitor.waitForURL(`${u}/p/${pollId}`);
    await vote(visitor, 'Pizza');
    await visitor.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    assert.equal(await total(pollId), 2);
  });

  it('workspace page: members (invite, accept, change role, remove) and the layout at 360 and 1280 px', async () => {
    const other = `grace-${process.pid}-${Date.now()}@example.test`;
    assert.equal((await call(u, 'POST', '/v1/auth/signup', { email: other, password: PASSWORD, name: 'Grace Hopper' })).status, 201);
    const h = await ownerHeaders();
    for (const [i, status] of (['draft', 'open', 'open'] as const).entries()) {
      const question = `Question ${i + 1}: which of these options do we pick for the spring offsite in the mountains?`;
      const r = await call(u, 'POST', '/v1/polls', { question, options: ['A', 'B'], workspaceId, status }, h);
      assert.equal(r.status, 201, r.text);
    }

    await owner.goto(`${u}/w/${workspaceId}`);
    // Inviting answers alike for every address; nobody joins before accepting.
    await owner.getByLabel('Email').fill('nobody@example.test');
    await owner.getByRole('button', { name: 'Invite' }).click();
    await owner.getByText('Invitation for nobody@example.test (editor) saved').waitFor();
    await owner.getByRole('button', { name: 'Withdraw the invitation for nobody@example.test' }).click();
    await owner.getByText('The invitation for nobody@example.test was withdrawn.').waitFor();
    await owner.getByLabel('Email').fill(other);
    await owner.getByLabel('Role', { exact: true }).selectOption('viewer');
    await owner.getByRole('button', { name: 'Invite' }).click();
    await owner.getByText(`Invitation for ${other} (viewer) saved`).waitFor();
    assert.equal(await owner.getByTestId('member-list').getByText('Grace Hopper').count(), 0, 'not a member before accepting');

    // Grace logs in and accepts on her account page.
    const grace = await device();
    await grace.goto(`${u}/login?next=${encodeURIComponent('/account')}`);
    await grace.getByLabel('Email').fill(other);
    await grace.getByLabel('Password').fill(PASSWORD);
    await grace.getByRole('button', { name: 'Log in' }).click();
    await grace.waitForURL(`${u}/account`);
    await grace.getByRole('button', { name: /^Accept the invitation to / }).click();
    await grace.getByText(/^You joined .* as viewer\.$/).waitFor();

    await owner.reload();
    await owner.getByLabel('Role of Grace Hopper').selectOption('editor');
    await owner.getByText('Grace Hopper is now editor.').waitFor();
    const members = await call(u, 'GET', `/v1/workspaces/${workspaceId}/members`, undefined, await ownerHeaders());
    assert.deepEqual((members.json.members as Array<{ email: string; role: string }>).map((m) => [m.email, m.role]).sort(), [[email, 'owner'], [other, 'editor']].sort());
    // The last owner cannot leave the workspace without an owner.
    await owner.getByLabel('Role of Ada Lovelace').selectOption('viewer');
    await owner.locator('[role=alert][data-code=last_owner]').waitFor();

    await owner.reload();
    await owner.getByTestId('poll-list').waitFor();
    await shoot(owner, 'workspace', 1280);
    await owner.setViewportSize({ width: 360, height: 740 });
    await shoot(owner, 'workspace', 360);
    await owner.setViewportSize({ width: 1280, height: 800 });

    await owner.getByRole('button', { name: 'Remove Grace Hopper' }).click();
    await owner.getByText('Grace Hopper was removed.').waitFor();
    // The message comes first; the list is read again after it.
    await owner.waitForFunction(() => !((globalThis as unknown as PageDom).document.querySelector('[data-testid=member-list]')?.textContent ?? 'Grace Hopper').includes('Grace Hopper'));
    assert.equal(await owner.getByTestId('member-list').getByText('Grace Hopper').count(), 0);
  });

  it('account page: a wrong current password is refused, a new one is set (and logs in next time); log out', async () => {
    await owner.getByTestId('user-name').click();
    await owner.waitForURL(`${u}/account`);
    await owner.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    await owner.getByLabel('Current password').fill('wrong wrong wrong');
    await owner.getByLabel('New password').fill('a brand new passphrase');
    await owner.getByRole('button', { name: 'Change password' }).click();
    await owner.locator('[role=alert][data-code=password_incorrect]').waitFor();
    await owner.getByLabel('Current password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Change password' }).click();
    await owner.getByText('Password changed.').waitFor();
    await owner.locator('main').getByRole('button', { name: 'Log out' }).click();
    await owner.waitForURL(u + '/');
    await owner.goto(`${u}/login`);
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill('a brand new passphrase');
    await owner.getByRole('button', { name: 'Log in' }).click();
    await owner.waitForURL(`${u}/w/${workspaceId}`);
  });

  async function shoot(page: Page, name: string, width: number): Promise<void> {
    await page.screenshot({ path: `${SCREENS}${name}-${width}.png`, fullPage: true, animations: 'disabled' });
  }
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stream) s += chunk.toString();
  return s;
}
