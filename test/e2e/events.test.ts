/**
 * Events in real headless Chromium: a presenter builds an event of three questions of different
 * kinds (single, ranked, nps) in the web app and runs it from the console with the keyboard and
 * buttons, while two phones (own browser contexts) join by code in lower case, follow, answer and
 * see results. Screenshots (phone, 1920×1080 console) go to /tmp/pollcast-screens/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launchBrowser, needBrowser } from '../support/browser.js';

const skip = needBrowser();
const SCREENS = '/tmp/pollcast-screens/';
const T = 15_000;

describe('events in Chromium: presenter and two phones', { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no uncaught errors in the pages'));

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
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) pageErrors.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  }

  it('the presenter advances through single, ranked and nps questions; both phones follow, answer and see results', async () => {
    const presenter = await device(1920, 1080);
    await presenter.goto(`${t.url}/e/new`);
    await presenter.fill('#event-title', 'Friday all-hands');
    await presenter.fill('#q-0', 'Which talk first?');
    await presenter.fill('#o-0', 'Databases\nBrowsers\nCompilers');
    await presenter.click('text=Add a question');
    await presenter.fill('#q-1', 'Rank the snacks');
    await presenter.selectOption('#k-1', 'ranked');
    await presenter.fill('#o-1', 'Crisps\nFruit\nCake');
    await presenter.click('text=Add a question');
    await presenter.fill('#q-2', 'Would you recommend this meeting?');
    await presenter.selectOption('#k-2', 'nps');
    await presenter.click('text=Create and present');
    await presenter.waitForURL(/\/e\/ev_[A-Za-z0-9]{12}\/present$/);
    const code = (await presenter.textContent('[data-testid=event-code]'))!.trim();
    assert.match(code, /^[A-Z0-9]{6}$/);

    // Two phones join by code, typed in lower case: one at /{code}, one through the join form.
    const phones = [await device(390, 844), await device(390, 844)];
    await phones[0]!.goto(`${t.url}/${code.toLowerCase()}`);
    await phones[1]!.goto(`${t.url}/j`);
    await phones[1]!.fill('#join-code', code.toLowerCase());
    await phones[1]!.click('button[type=submit]');
    for (const p of phones) await p.waitForSelector('[data-testid=event-question] >> text=Which talk first?');
    await presenter.waitForSelector('[data-testid=console-audience] >> text=2 people following');

    // Question 1 (single): open with the keyboard, both phones answer, the presenter shows results.
    await presenter.keyboard.press('o');
    for (const p of phones) await p.waitForSelector('[data-testid=event-ballot]');
    await phones[0]!.click('label:has-text("Browsers")');
    await phones[1]!.click('label:has-text("Browsers")');
    for (const p of phones) {
      await p.click('text=Send answer');
      await p.waitForSelector('[data-testid=answered]');
    }
    await presenter.waitForSelector('[data-testid=console-answers] >> text=2 answers');
    await presenter.click('[data-testid=toggle-results]');
    for (const p of phones) await p.waitForSelector('[data-testid=event-results] >> text=100%');
    await presenter.waitForSelector('[data-testid=console-results] >> text=100%');

    // Question 2 (ranked): next with the arrow key, open with the button; the phones rank by tapping in order.
    await presenter.keyboard.press('ArrowRight');
    for (const p of phones) await p.waitForSelector('[data-testid=event-question] >> text=Rank the snacks');
    await presenter.click('[data-testid=open-voting]');
    const rankings = [
      ['Cake', 'Fruit'],
      ['Fruit', 'Cake', 'Crisps'],
    ];
    for (const [i, p] of phones.entries()) {
      await p.waitForSelector('[data-testid=ranking]');
      for (const text of rankings[i]!) await p.click(`button.rank-choice:has-text("${text}")`);
      await p.click('text=Send answer');
      await p.waitForSelector('[data-testid=answered]');
    }
    await presenter.waitForSelector('[data-testid=console-answers] >> text=2 answers');
    await presenter.keyboard.press('s');
    // Round 1: Crisps 0 out; round 2: Fruit 1, Cake 1 tied in every round, so the later-listed Cake goes; round 3: Fruit.
    await presenter.waitForSelector('[data-testid=irv-winner] >> text=Fruit');
    for (const p of phones)
      await p.waitForSelector('[data-testid=event-results] [data-testid=irv-winner] >> text=Fruit');
    await presenter.click('button[aria-label="Previous round"]');
    await presenter.waitForSelector('[data-testid=irv-round] >> text=Round 2 of 3');

    // Question 3 (nps): next; the phones pick values; results show the score.
    await presenter.click('[data-testid=next-question]');
    for (const p of phones) await p.waitForSelector('[data-testid=event-question] >> text=Would you recommend');
    await presenter.keyboard.press('o');
    for (const [i, p] of phones.entries()) {
      await p.waitForSelector('[data-testid=scale]');
      await p.click(`.scale-value:has-text("${i === 0 ? 10 : 3}")`);
      await p.click('text=Send answer');
      await p.waitForSelector('[data-testid=answered]');
    }
    await presenter.keyboard.press('s');
    // One promoter, one detractor: 50 % − 50 % = 0.
    await presenter.waitForSelector('[data-testid=nps-score] >> text=0');
    for (const p of phones) await p.waitForSelector('[data-testid=event-results] [data-testid=nps-score]');
    await presenter.screenshot({ path: `${SCREENS}console-1920x1080.png` });
    await phones[0]!.screenshot({ path: `${SCREENS}phone-nps.png`, fullPage: true });

    // Back to question 2 on the phones' screens: the ranked results are hidden again until shown.
    await presenter.keyboard.press('ArrowLeft');
    for (const p of phones) await p.waitForSelector('[data-testid=event-question] >> text=Rank the snacks');
    assert.equal(await phones[0]!.locator('[data-testid=event-results]').count(), 0);
    await presenter.keyboard.press('s');
    await phones[1]!.waitForSelector('[data-testid=event-results] [data-testid=irv-winner]');
    await phones[1]!.screenshot({ path: `${SCREENS}phone-ranked.png`, fullPage: true });
    await presenter.screenshot({ path: `${SCREENS}console-ranked-1920x1080.png` });
  });

  it('review fixes: maxChoices shows while choosing, no receipt jargon, a presenter elsewhere notices the close and offers Reveal', async () => {
    const r = await call(t.url, 'POST', '/v1/polls', {
      question: 'Pick two',
      options: ['A', 'B', 'C', 'D'],
      kind: 'multiple',
      maxChoices: 2,
      resultsVisibility: 'after_close',
    });
    const poll = r.json.poll as { id: string };
    const phone = await device(390, 844);
    await phone.goto(`${t.url}/p/${poll.id}`);
    await phone.click('label:has-text("A")');
    await phone.click('label:has-text("B")');
    assert.equal(
      await phone.locator('input[value]:not(:checked)').first().isDisabled(),
      true,
      'a third option cannot be ticked',
    );
    await phone.waitForSelector('[data-testid=choice-count] >> text=2 of 2 chosen');
    await phone.getByRole('button', { name: 'Vote', exact: true }).click();
    await phone.waitForSelector('[data-state=voted]');
    assert.doesNotMatch(await phone.locator('[data-state=voted]').innerText(), /Receipt r_/);
    // A presenter in another browser (no owner token) waits with hidden results; the owner closes the poll elsewhere.
    const screen = await device(1920, 1080);
    await screen.goto(`${t.url}/p/${poll.id}/present`);
    await screen.waitForSelector('[data-testid=results-hidden]');
    assert.equal(await screen.getByRole('button', { name: 'Reveal results' }).count(), 0);
    assert.equal(
      (
        await call(t.url, 'POST', `/v1/polls/${poll.id}/close`, undefined, {
          authorization: `Bearer ${r.json.ownerToken}`,
        })
      ).status,
      200,
    );
    await screen.getByRole('button', { name: 'Reveal results' }).click();
    await screen.waitForSelector('[data-testid=present-results]');
  });

  it('a standalone rating poll: answered on its vote page, its results page shows the histogram', async () => {
    const r = await call(t.url, 'POST', '/v1/polls', {
      question: 'Rate the coffee',
      kind: 'rating',
      scale: { min: 1, max: 5, labels: ['awful', 'meh', 'ok', 'good', 'great'] },
    });
    const id = r.json.poll.id as string;
    const phone = await device(390, 844);
    await phone.goto(`${t.url}/p/${id}`);
    await phone.click('.scale-value:has-text("great")');
    await phone.click('text=Send answer');
    await phone.waitForSelector('[data-state=voted]');
    await phone.goto(`${t.url}/p/${id}/results`);
    await phone.waitForSelector('[data-testid=rating-stats] >> text=Average 5');
    await phone.waitForSelector('[data-testid=histogram]');
  });
});
