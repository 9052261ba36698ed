/**
 * Audience Q&A in real headless Chromium: two phones join an event by code, ask (one of them
 * `<script>` and `<img onerror>` as text), upvote and take an upvote back, and see every change
 * live; the presenter's 1920×1080 console shows the list and moderates (pin, answered, hide,
 * pre-moderation with approval). No markup from a question ever runs or renders: no alert, no
 * injected element, the text shows as typed. Screenshots go to /tmp/pollcast-screens/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launchBrowser, needBrowser, type PageDom } from '../support/browser.js';

const skip = needBrowser();
const SCREENS = '/tmp/pollcast-screens/';
const T = 15_000;
const SCRIPT_Q = 'Is this safe? <script>window.__xss = 1; alert("xss")</script>';
const IMG_Q = '<img src=x onerror="window.__xss = 2; alert(2)"> broken image?';

describe('audience Q&A in Chromium: two phones and the presenter', { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no uncaught errors, dialogs or CSP reports in the pages'));

  before(async () => {
    ensureWebBuilt();
    mkdirSync(SCREENS, { recursive: true });
    [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await t?.stop();
  });

  async function device(width: number, height: number): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height } });
    ctx.setDefaultTimeout(T);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('dialog', (d) => {
      pageErrors.push(`${page.url()}: a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) pageErrors.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  }

  /** Nothing a question said ran or became an element. */
  async function assertInert(page: Page, where: string): Promise<void> {
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined, `${where}: no script ran`);
    assert.equal(await page.locator('.qa-list script, .qa-list img, .qa-list b').count(), 0, `${where}: no element from a question`);
  }

  it('phones ask (HTML shown as text), upvote and un-upvote live; the presenter pins, marks answered, hides and approves', async () => {
    const created = await call(t.url, 'POST', '/v1/events', { title: 'Ask me anything', questions: [{ question: 'Warm-up: coffee?', options: ['Yes', 'No'] }] });
    assert.equal(created.status, 201, created.text);
    const { id, code } = created.json.event as { id: string; code: string };
    const token = created.json.ownerToken as string;

    const presenter = await device(1920, 1080);
    await presenter.goto(`${t.url}/e/${id}/present#owner=${encodeURIComponent(token)}`);
    await presenter.waitForSelector('[data-testid=event-code]');
    await presenter.keyboard.press('q');
    await presenter.waitForSelector('[data-testid=console-qa]');

    const phones = [await device(390, 844), await device(390, 844)] as const;
    for (const p of phones) {
      await p.goto(`${t.url}/${code.toLowerCase()}`);
      await p.waitForSelector('[data-testid=qa-phone]');
    }

    // Ask: one with a script tag, one with an image whose onerror would run; both show as typed.
    await phones[0].fill('#qa-text', SCRIPT_Q);
    await phones[0].fill('#qa-name', '<b>Mallory</b>');
    await phones[0].click('[data-testid=qa-ask] button[type=submit]');
    await phones[0].waitForSelector('[data-testid=qa-sent]');
    await phones[1].fill('#qa-text', IMG_Q);
    await phones[1].click('[data-testid=qa-ask] button[type=submit]');
    for (const p of [...phones, presenter]) {
      await p.waitForFunction(() => (globalThis as unknown as PageDom).document.querySelectorAll('[data-testid=qa-item], [data-testid=qa-stage-item]').length === 2);
      const texts = await p.locator('[data-testid=qa-text], [data-testid=qa-stage-text]').allInnerTexts();
      assert.deepEqual(texts.sort(), [IMG_Q, SCRIPT_Q].sort(), 'the questions read exactly as typed');
    }
    assert.ok((await phones[1].locator('.qa-who').allInnerTexts()).includes('<b>Mallory</b>'));

    // Upvote: phone 1 upvotes the script question; phones and presenter see 1, and it leads the top order.
    const item = (p: Page, text: string) => p.locator('[data-testid=qa-item]', { hasText: text });
    await item(phones[1], 'Is this safe?').locator('[data-testid=qa-upvote]').click();
    await phones[0].waitForSelector('[data-testid=qa-item]:has-text("Is this safe?") [data-testid=qa-count] >> text=1');
    await presenter.waitForSelector('[data-testid=qa-stage-item]:has-text("Is this safe?") [data-testid=qa-stage-count] >> text=▲ 1');
    assert.equal(await item(phones[1], 'Is this safe?').locator('[data-testid=qa-upvote]').getAttribute('aria-pressed'), 'true');
    // Both upvote the image question: 2, so it leads.
    for (const p of phones) await item(p, 'broken image').locator('[data-testid=qa-upvote]').click();
    await presenter.waitForSelector('[data-testid=qa-stage-item]:has-text("broken image") [data-testid=qa-stage-count] >> text=▲ 2');
    assert.match(await presenter.locator('[data-testid=qa-stage-text]').first().innerText(), /broken image/);
    // Tapping again takes the upvote back.
    await item(phones[1], 'Is this safe?').locator('[data-testid=qa-upvote]').click();
    await phones[0].waitForSelector('[data-testid=qa-item]:has-text("Is this safe?") [data-testid=qa-count] >> text=0');
    // Recent order on the phone: the newest (image) first, then the older one.
    await phones[0].click('.qa-sort button:has-text("Recent")');
    assert.match(await phones[0].locator('[data-testid=qa-text]').first().innerText(), /broken image/);
    await phones[0].click('.qa-sort button:has-text("Top")');

    // Moderation: pin the script question (it leads everywhere), mark the image one answered, then hide the script one.
    const stage = (text: string) => presenter.locator('[data-testid=qa-stage-item]', { hasText: text });
    await stage('Is this safe?').getByRole('button', { name: 'Pin' }).click();
    for (const p of phones) await p.waitForSelector('[data-testid=qa-item]:first-child:has-text("Is this safe?") >> text=Pinned');
    await stage('broken image').getByRole('button', { name: 'Answered' }).click();
    for (const p of phones) await p.waitForSelector('[data-testid=qa-item]:has-text("broken image") >> text=Answered');
    await presenter.screenshot({ path: `${SCREENS}console-qa-1920x1080.png` });
    await phones[0].screenshot({ path: `${SCREENS}phone-qa.png`, fullPage: true });
    await stage('Is this safe?').getByRole('button', { name: 'Hide' }).click();
    for (const p of phones) await p.waitForFunction(() => (globalThis as unknown as PageDom).document.querySelectorAll('[data-testid=qa-item]').length === 1);

    // Pre-moderation: a new question waits on the console; phones see it only once approved.
    await presenter.click('[data-testid=qa-premoderation]');
    await presenter.waitForSelector('[data-testid=qa-premoderation]:checked');
    await phones[1].fill('#qa-text', 'Needs approval first');
    await phones[1].click('[data-testid=qa-ask] button[type=submit]');
    await phones[1].waitForSelector('[data-testid=qa-sent] >> text=once the presenter approves');
    await presenter.waitForSelector('[data-testid=qa-pending-item]:has-text("Needs approval first")');
    assert.equal(await phones[0].locator('[data-testid=qa-item]:has-text("Needs approval first")').count(), 0);
    await presenter.locator('[data-testid=qa-pending-item]', { hasText: 'Needs approval first' }).getByRole('button', { name: 'Approve' }).click();
    for (const p of phones) await p.waitForSelector('[data-testid=qa-item]:has-text("Needs approval first")');

    // Anonymous only, from the console: the phones' name field goes away.
    await presenter.selectOption('[data-testid=qa-names]', 'off');
    for (const p of phones) await p.waitForSelector('#qa-name', { state: 'detached' });

    for (const [i, p] of [...phones, presenter].entries()) await assertInert(p, `page ${i}`);
  });
});
