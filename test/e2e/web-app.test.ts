/**
 * The browser app in real headless Chromium against a real pollcast (embedded backends). Each
 * voter is its own browser context (own cookies and storage), like separate phones. Builds
 * web/dist first when it is missing or stale. Screenshots go to .tmp/screens/.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launchBrowser, needBrowser } from '../support/browser.js';
import { ERROR_MESSAGES } from '../../web/src/lib/error-messages.js';

/** The little of the DOM these tests touch inside page functions (the Node tsconfig has no DOM types). */
type Dom = { document: { querySelector(s: string): { style: { height: string } } | null; activeElement: { id: string } } };

const skip = needBrowser();
const SCREENS = fileURLToPath(new URL('../../.tmp/screens/', import.meta.url));
const T = 15_000;

describe('web app in Chromium', { skip }, () => {
  let t: TestApp;
  let u: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Uncaught errors in any page; checked after every test. */
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

  /** A separate browser (cookies, storage): one phone or laptop. */
  async function device(width = 1280, height = 800): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height } });
    ctx.setDefaultTimeout(T);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    // Anything the Content-Security-Policy blocks is reported on the console: none may be.
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) pageErrors.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  }

  const total = async (pollId: string, ownerToken?: string) => {
    const r = await call(u, 'GET', `/v1/polls/${pollId}/results${ownerToken ? `?ownerToken=${ownerToken}` : ''}`);
    assert.equal(r.status, 200, r.text);
    return r.json as { total: number; options: Array<{ id: string; votes: number }> };
  };

  async function vote(page: Page, option: string): Promise<void> {
    await page.getByRole('radio', { name: option }).check();
    await page.getByRole('button', { name: 'Vote', exact: true }).click();
  }

  async function createThroughUi(page: Page, question: string, options: string[], visibility?: string): Promise<string> {
    await page.goto(u + '/');
    await page.getByLabel('Question').fill(question);
    for (let i = 0; i < options.length; i++) {
      if (i >= 2) await page.getByRole('button', { name: '+ Add option' }).click();
      await page.getByLabel(`Option ${i + 1}`, { exact: true }).fill(options[i]!);
    }
    if (visibility) {
      await page.getByText('Schedule, results and voters').click();
      await page.getByLabel('Who sees the results').selectOption(visibility);
    }
    await page.getByRole('button', { name: 'Create poll' }).click();
    await page.waitForURL(/\/p\/[2-9a-zA-Z]{12}\/share$/);
    return /\/p\/([2-9a-zA-Z]{12})\/share$/.exec(page.url())![1]!;
  }

  let pollId = '';
  let owner: Page;

  it('creates a poll through the UI → share page with link, join code and QR; the code redirects to the vote page', async () => {
    owner = await device();
    pollId = await createThroughUi(owner, 'Tea or coffee?', ['Tea', 'Coffee', 'Water']);
    const code = `${pollId.slice(0, 4)}-${pollId.slice(4, 8)}-${pollId.slice(8)}`;
    assert.equal(await owner.getByTestId('join-code').innerText(), code);
    assert.equal(await owner.getByTestId('vote-link').inputValue(), `${u}/p/${pollId}`);
    await owner.locator('[data-testid=qr] svg').waitFor();

    const redirect = await fetch(`${u}/j/${code}`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), `/p/${pollId}`);
    const phone = await device(360, 740);
    await phone.goto(`${u}/j/${code}`);
    assert.equal(new URL(phone.url()).pathname, `/p/${pollId}`);
    await phone.getByRole('heading', { name: 'Tea or coffee?' }).waitFor();
  });

  it('two devices vote; a third watching the results sees both votes arrive without reloading', async () => {
    const viewer = await device();
    await viewer.goto(`${u}/p/${pollId}/results`);
    await viewer.getByTestId('total').getByText('0 votes').waitFor();
    await viewer.evaluate(() => ((globalThis as Record<string, unknown>).notReloaded = true));

    const [a, b] = await Promise.all([device(360, 740), device(360, 740)]);
    await Promise.all([a.goto(`${u}/p/${pollId}`), b.goto(`${u}/p/${pollId}`)]);
    await vote(a, 'Tea');
    await a.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    await viewer.getByTestId('total').getByText('1 vote', { exact: true }).waitFor();
    await vote(b, 'Coffee');
    await b.getByRole('heading', { name: 'Your vote is counted' }).waitFor();

    await viewer.getByTestId('total').getByText('2 votes').waitFor();
    assert.equal(await viewer.evaluate(() => (globalThis as Record<string, unknown>).notReloaded), true, 'the results page was not reloaded');
    const bars = await viewer.getByTestId('bars').innerText();
    assert.match(bars, /Tea\s+50%\s+1 vote/);
    assert.match(bars, /Coffee\s+50%\s+1 vote/);
    assert.match(bars, /Water\s+0%\s+0 votes/);
    assert.equal((await total(pollId)).total, 2);
    await shoot(viewer, 'results', 1280);
    await viewer.setViewportSize({ width: 360, height: 740 });
    await shoot(viewer, 'results', 360);
    await shoot(a, 'vote-voted', 360);
  });

  it('a second vote from the same device is refused with "already voted"; nothing more is counted', async () => {
    const first = await device(360, 740);
    const second = await first.context().newPage();
    await Promise.all([first.goto(`${u}/p/${pollId}`), second.goto(`${u}/p/${pollId}`)]);
    await second.getByRole('radio', { name: 'Water' }).waitFor();
    await vote(first, 'Water');
    await first.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    await vote(second, 'Coffee');
    await second.getByRole('heading', { name: 'You already voted' }).waitFor();
    assert.match(await second.locator('[data-state=already-voted]').innerText(), /Your counted vote: Water/);
    await shoot(second, 'vote-already-voted', 360);
    // A reload asks the server and shows the same state.
    await second.reload();
    await second.getByRole('heading', { name: 'You already voted' }).waitFor();
    const r = await total(pollId);
    assert.equal(r.total, 3);
  });

  it('a vote sent while offline is retried with the same key when the network is back, and counted once', async () => {
    const phone = await device(360, 740);
    await phone.goto(`${u}/p/${pollId}`);
    await phone.getByRole('radio', { name: 'Tea' }).waitFor();
    await phone.context().setOffline(true);
    await vote(phone, 'Tea');
    await phone.locator('form[data-state=offline]').waitFor();
    assert.match(await phone.getByRole('heading', { name: 'You are offline' }).innerText(), /offline/);
    await shoot(phone, 'vote-offline', 360);
    await phone.context().setOffline(false);
    await phone.getByRole('heading', { name: 'Your vote is counted' }).waitFor({ timeout: 20_000 });
    assert.equal((await total(pollId)).total, 4);
  });

  it('a closed poll shows closed (to new visitors, to a ballot opened before, and live on the results page); the owner exports CSV and reopens', async () => {
    const viewer = await device();
    await viewer.goto(`${u}/p/${pollId}/results`);
    await viewer.getByTestId('total').getByText('4 votes').waitFor();
    const late = await device(360, 740);
    await late.goto(`${u}/p/${pollId}`);
    await late.getByRole('radio', { name: 'Tea' }).waitFor();

    await owner.goto(`${u}/p/${pollId}/manage`);
    await owner.getByRole('button', { name: 'Close voting' }).click();
    await owner.getByTestId('poll-status').getByText('Closed').waitFor();

    await viewer.getByTestId('closed-badge').waitFor();
    await vote(late, 'Tea');
    await late.getByRole('heading', { name: 'This poll is closed' }).waitFor();
    const fresh = await device(360, 740);
    await fresh.goto(`${u}/p/${pollId}`);
    await fresh.locator('[data-state=closed]').waitFor();
    await shoot(fresh, 'vote-closed', 360);
    assert.equal((await total(pollId)).total, 4, 'no vote after close');

    // Export CSV: every counted answer, streamed by GET /v1/polls/{id}/export (no voter identity: device mode).
    const [answers] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(answers.suggestedFilename(), `pollcast-${pollId}-answers.csv`);
    const rows = (await streamText(await answers.createReadStream())).trimEnd().split('\r\n');
    assert.equal(rows[0], '"receipt_id","option_ids","options","cast_at"');
    assert.equal(rows.length, 5, 'a header and the 4 counted answers');
    assert.equal(rows.filter((r) => r.includes('"Tea"')).length, 2);

    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Results CSV' }).click()]);
    assert.equal(download.suggestedFilename(), `pollcast-${pollId}-results.csv`);
    const csv = await streamText(await download.createReadStream());
    assert.match(csv, /"Tea or coffee\?","Tea","2","50"/);
    assert.match(csv, /"Tea or coffee\?","Coffee","1","25"/);
    assert.match(csv, /"\(voters\)","4"/);

    await owner.getByRole('button', { name: 'Reopen voting' }).click();
    await owner.getByTestId('poll-status').getByText('Open for voting').waitFor();
    await fresh.reload();
    await fresh.getByRole('radio', { name: 'Tea' }).waitFor();
  });

  it('the results page reconnects by itself when the server goes away, and resumes with Last-Event-ID', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-e2e-'));
    const config = (port: number) =>
      loadConfig({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', EMBEDDED_SYNC: 'normal', SSE_RECONNECT_MS: '300' });
    let app = await startApp(config(0));
    try {
      const base = app.url;
      const { poll } = await createPoll(base);
      assert.equal((await call(base, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] })).status, 201);
      const seen = (await call(base, 'GET', `/v1/polls/${poll.id}/results`)).json.version as number;
      const viewer = await device();
      const resumedFrom: string[] = [];
      // allHeaders(): Last-Event-ID is added below the page, so only the raw headers show it.
      viewer.on('request', (r) => {
        if (r.url().endsWith('/results/stream')) void r.allHeaders().then((h) => resumedFrom.push(h['last-event-id'] ?? ''), () => undefined);
      });
      await viewer.goto(`${base}/p/${poll.id}/results`);
      await viewer.getByTestId('total').getByText('1 vote', { exact: true }).waitFor();
      await viewer.evaluate(() => ((globalThis as Record<string, unknown>).notReloaded = true));

      await app.shutdown('test');
      await viewer.getByTestId('live-badge').getByText('Reconnecting…').waitFor();
      app = await startApp(config(Number(new URL(base).port)));
      assert.equal((await call(base, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1]!.id] })).status, 201);
      await viewer.getByTestId('total').getByText('2 votes').waitFor({ timeout: 20_000 });
      await viewer.getByTestId('live-badge').getByText('Live').waitFor();
      assert.equal(await viewer.evaluate(() => (globalThis as Record<string, unknown>).notReloaded), true, 'no reload');
      assert.equal(resumedFrom[0], '', 'the first connection starts from scratch');
      assert.ok(resumedFrom.slice(1).includes(String(seen)), `a reconnect sent Last-Event-ID ${seen}: ${JSON.stringify(resumedFrom)}`);
      await viewer.close();
    } finally {
      await app.shutdown('test');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('presenter mode: results hidden until the presenter clicks reveal (owner_only); join code and QR shown', async () => {
    const presenter = await device(1280, 720);
    const id = await createThroughUi(presenter, 'Best stadium snack?', ['Hot dog', 'Pretzel', 'Nachos'], 'owner_only');
    const poll = (await call(u, 'GET', `/v1/polls/${id}`)).json.poll as { options: Array<{ id: string; text: string }> };
    for (const text of ['Pretzel', 'Pretzel', 'Nachos']) {
      const r = await call(u, 'POST', `/v1/polls/${id}/votes`, { optionIds: [poll.options.find((o) => o.text === text)!.id] });
      assert.equal(r.status, 201, r.text);
    }
    await presenter.goto(`${u}/p/${id}/present`);
    await presenter.getByTestId('results-hidden').waitFor();
    await presenter.getByTestId('present-total').getByText('3 votes').waitFor();
    assert.equal(await presenter.getByTestId('bars').count(), 0, 'no bars before the reveal');
    assert.equal(await presenter.getByTestId('present-code').innerText(), `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`);
    await presenter.locator('[data-testid=qr] svg').waitFor();
    await shoot(presenter, 'present-hidden', 1280);

    await presenter.getByRole('button', { name: 'Reveal results' }).click();
    const bars = presenter.getByTestId('bars');
    await bars.waitFor();
    assert.match(await bars.innerText(), /Pretzel\s+66\.7%\s+2 votes/);
    await shoot(presenter, 'present', 1280);
    await presenter.setViewportSize({ width: 360, height: 740 });
    await shoot(presenter, 'present', 360);

    // Another browser (not the creator) cannot reveal owner-only results.
    const guest = await device();
    await guest.goto(`${u}/p/${id}/present`);
    await guest.getByText('Only the browser that created this poll can reveal them.').waitFor();
    assert.equal(await guest.getByRole('button', { name: 'Reveal results' }).count(), 0);
  });

  it('the vote page at 360 px and 1280 px (screenshots)', async () => {
    const { poll } = await createPoll(u, { question: 'Where should the team offsite be next spring?', options: ['Lisbon', 'Kraków', 'Somewhere with a very long name that wraps on phones'] });
    const phone = await device(360, 740);
    await phone.goto(`${u}/p/${poll.id}`);
    await phone.getByRole('radio', { name: 'Lisbon' }).check();
    await shoot(phone, 'vote', 360);
    await phone.setViewportSize({ width: 1280, height: 800 });
    await shoot(phone, 'vote', 1280);
    // Keyboard only: Tab to the options, arrows choose, Enter on the button votes.
    const kb = await device(360, 740);
    await kb.goto(`${u}/p/${poll.id}`);
    await kb.getByRole('radio', { name: 'Lisbon' }).waitFor();
    await kb.keyboard.press('Tab'); // brand link
    await kb.keyboard.press('Tab'); // header: Log in
    await kb.keyboard.press('Tab'); // header: Sign up
    await kb.keyboard.press('Tab'); // first radio
    await kb.keyboard.press('ArrowDown'); // → Kraków
    await kb.keyboard.press('Tab'); // Vote button
    await kb.keyboard.press('Enter');
    await kb.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    assert.match(await kb.locator('[data-state=voted]').innerText(), /You chose Kraków/);
    const focused = await kb.evaluate(() => (globalThis as unknown as Dom).document.activeElement.id);
    assert.equal(focused, 'vote-status', 'focus moves to the new state for screen readers');
  });

  it('the embed script inserts an iframe on another site, sizes it to its content, and voting works inside it', async () => {
    const { poll } = await createPoll(u, { question: 'Embedded?', options: ['Yes', 'No'] });
    const page = await device(800, 900);
    // The host page is another site (localhost, not 127.0.0.1) served by a server of its own.
    const html = `<!doctype html><meta charset="utf-8"><title>Blog</title><h1>My blog</h1><script src="${u}/embed.js" data-poll="${poll.id}"></script><p>after the poll</p>`;
    const blog = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((r) => blog.listen(0, '127.0.0.1', r));
    after(() => blog.close());
    await page.goto(`http://localhost:${(blog.address() as AddressInfo).port}/post`);
    const frameEl = page.locator('iframe');
    await frameEl.waitFor();
    const heightOf = () => frameEl.evaluate((el) => (el as unknown as { style: { height: string } }).style.height);
    await page.waitForFunction(() => (globalThis as unknown as Dom).document.querySelector('iframe')?.style.height !== '360px');
    const before = parseInt(await heightOf(), 10);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('radio', { name: 'Yes' }).check();
    await frame.getByRole('button', { name: 'Vote', exact: true }).click();
    await frame.getByRole('heading', { name: 'Your vote is counted' }).waitFor();
    await frame.getByTestId('total').getByText('1 vote', { exact: true }).waitFor();
    await page.waitForFunction((h) => parseInt((globalThis as unknown as Dom).document.querySelector('iframe')!.style.height, 10) > h, before);
    assert.equal((await total(poll.id)).total, 1);
    await shoot(page, 'embed', 800);
  });

  it('the receipt page: a voter checks a vote (counted, which choice) and, after the close, its inclusion proof in the browser', async () => {
    const { poll, ownerToken } = await createPoll(u);
    const cast = await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1]!.id] });
    assert.equal(cast.status, 201, cast.text);
    const page = await device(360, 740);
    const link = `${u}/receipt#id=${encodeURIComponent(cast.json.receiptId)}&key=${encodeURIComponent(cast.json.receiptKey)}`;
    await page.goto(link);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByTestId('receipt-result').getByText(`Counted: ${poll.options[1]!.text}`).waitFor();
    assert.equal((await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, { authorization: `Bearer ${ownerToken}` })).status, 200);
    const root = (await call(u, 'GET', `/v1/polls/${poll.id}/commitment`)).json.root as string;
    await page.getByLabel('Published root (optional)').fill(root);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByTestId('proof-result').getByText(`Included: one of the 1 votes under root ${root}.`).waitFor();
    await page.getByLabel('Published root (optional)').fill('0'.repeat(64));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByTestId('proof-result').getByText(/^NOT included/).waitFor();
    await page.getByLabel('Receipt key').fill('rk1.bm9wZQ.AAAA');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.locator('[role=alert][data-code=receipt_not_found]').waitFor();
  });

  it('API errors show as sentences, never JSON: unknown poll, rate limited', async () => {
    const page = await device(360, 740);
    for (const path of ['/p/222222222222', '/p/not-a-poll', '/p/222222222222/results']) {
      await page.goto(u + path);
      const alert = page.locator('[role=alert][data-code=poll_not_found]');
      await alert.waitFor();
      assert.equal(await alert.innerText(), ERROR_MESSAGES.poll_not_found);
      assert.doesNotMatch(await page.locator('body').innerText(), /[{}"]code/);
    }
    await page.goto(u + '/nowhere/at/all');
    await page.getByRole('heading', { name: 'Nothing here' }).waitFor();

    // The limiter counts in clock-aligned minutes: start well inside one, so the window cannot roll over mid-test.
    const untilNextMinute = 60_000 - (Date.now() % 60_000);
    if (untilNextMinute < 15_000) await new Promise((r) => setTimeout(r, untilNextMinute + 100));
    const limited = await startTestApp({ RATE_LIMIT_IP_PER_MIN: '1' });
    try {
      const { poll } = await createPoll(limited.url);
      assert.equal((await call(limited.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] })).status, 201);
      await page.goto(`${limited.url}/p/${poll.id}`);
      await vote(page, 'Coffee');
      await page.locator('form[data-state=rate-limited]').waitFor();
      assert.match(await page.locator('form[data-state=rate-limited] [data-code=rate_limited]').innerText(), /Many votes are coming from your network/);
      await shoot(page, 'vote-rate-limited', 360);
    } finally {
      await page.close();
      await limited.stop();
    }
  });

  async function shoot(page: Page, name: string, width: number): Promise<void> {
    // Transitions jump to their end: a screenshot shows the bars where they settle.
    await page.screenshot({ path: `${SCREENS}${name}-${width}.png`, fullPage: true, animations: 'disabled' });
  }
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stream) s += chunk.toString();
  return s;
}
