/**
 * Quizzes and open text in real headless Chromium. A presenter builds a quiz of three questions in
 * the web app and runs it from the 1920×1080 console while two phones (own browser contexts) join
 * with nicknames, answer against the server's clock, learn whether they were right and their own
 * rank, and the big screen shows the leaderboard after each question and at the end. Then open
 * text: answers that are HTML (`<script>`, `<img onerror>`) show as text in the cloud, the feed and
 * a nickname on the leaderboard, and never run; a hide takes one off the big screen.
 * Screenshots go to /tmp/pollcast-screens/.
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
const SCRIPT = '<script>window.__xss = 1</script>';
const IMG = '<img src=x onerror="window.__xss = 2">';
const NICK_IMG = '<img src=x onerror=a()>';

describe('quizzes and open text in Chromium: presenter and two phones', { skip }, () => {
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

  const noScriptRan = async (p: Page) => assert.equal(await p.evaluate('typeof window.__xss'), 'undefined', `no injected script ran on ${p.url()}`);

  it('a quiz of three questions: nicknames, server-timed answers, right or wrong, own rank, the leaderboard after each and at the end', async () => {
    const presenter = await device(1920, 1080);
    await presenter.goto(`${t.url}/e/new`);
    await presenter.fill('#event-title', 'Pub quiz');
    const questions: Array<[string, string]> = [
      ['Capital of France?', '*Paris\nLyon\nNice'],
      ['2 + 2?', '3\n*4\n5'],
      ['Largest planet?', 'Mars\n*Jupiter\nVenus'],
    ];
    for (const [i, [q, options]] of questions.entries()) {
      if (i > 0) await presenter.click('text=Add a question');
      await presenter.fill(`#q-${i}`, q);
      await presenter.selectOption(`#k-${i}`, 'quiz');
      await presenter.fill(`#s-${i}`, '60');
      await presenter.fill(`#o-${i}`, options);
    }
    await presenter.click('text=Create and present');
    await presenter.waitForURL(/\/e\/ev_[A-Za-z0-9]{12}\/present$/);
    const eventId = /\/e\/(ev_[A-Za-z0-9]{12})\//.exec(presenter.url())![1]!;
    const code = (await presenter.textContent('[data-testid=event-code]'))!.trim();

    const phones = [await device(390, 844), await device(390, 844)];
    const names = ['Ann', 'Bob'];
    for (const p of phones) {
      await p.goto(`${t.url}/${code.toLowerCase()}`);
      await p.waitForSelector('[data-testid=nickname-form]');
    }
    // A taken nickname is explained; another one joins.
    await phones[0]!.fill('[data-testid=nickname]', names[0]!);
    await phones[0]!.click('text=Join the quiz');
    await phones[0]!.waitForSelector('[data-testid=playing-as] >> text=Ann');
    await phones[1]!.fill('[data-testid=nickname]', 'ann');
    await phones[1]!.click('text=Join the quiz');
    await phones[1]!.waitForSelector('[data-testid=nickname-form] >> text=already has that nickname');
    await phones[1]!.fill('[data-testid=nickname]', names[1]!);
    await phones[1]!.click('text=Join the quiz');
    await phones[1]!.waitForSelector('[data-testid=playing-as] >> text=Bob');

    // Ann answers right every time; Bob is right on the second question only.
    const picks = [
      ['Paris', 'Lyon'],
      ['4', '4'],
      ['Jupiter', 'Mars'],
    ];
    for (const [qi, [q]] of questions.entries()) {
      if (qi > 0) await presenter.keyboard.press('ArrowRight');
      for (const p of phones) await p.waitForSelector(`[data-testid=event-question] >> text=${q}`);
      await presenter.keyboard.press('o');
      for (const [i, p] of phones.entries()) {
        await p.waitForSelector('[data-testid=phone-countdown]');
        await p.click(`label.quiz-choice:has-text("${picks[qi]![i]}")`);
        await p.click('text=Send answer');
        await p.waitForSelector('[data-testid=answered]');
      }
      await presenter.waitForSelector('[data-testid=console-answers] >> text=2 answers');
      await presenter.keyboard.press('c');
      // The phones learn whether they were right, and their own standing.
      const annRight = true;
      const bobRight = qi === 1;
      await phones[0]!.waitForSelector(`[data-testid=quiz-outcome] >> text=${annRight ? 'Correct!' : 'Not this time.'}`);
      await phones[1]!.waitForSelector(`[data-testid=quiz-outcome] >> text=${bobRight ? 'Correct!' : 'Not this time.'}`);
      await phones[0]!.waitForSelector('[data-testid=my-standing] >> text=rank 1 of 2');
      await presenter.waitForSelector(`[data-testid=leaderboard] >> text=${qi === 2 ? 'Final leaderboard' : 'Leaderboard'}`);
      await presenter.waitForSelector('[data-testid=leaderboard-row]:first-child >> text=Ann');
      if (qi === 0) await presenter.screenshot({ path: `${SCREENS}quiz-leaderboard-q1-1920x1080.png` });
    }
    await presenter.keyboard.press('s');
    await presenter.waitForSelector('[data-testid=quiz-correct] >> text=Jupiter');
    // The leaderboard on the big screen is the API's, which sums the stored scores.
    const board = (await call<Array<{ nickname: string; score: number; rank: number; correct: number }>>(t.url, 'GET', `/v1/events/${eventId}/leaderboard`)).json;
    assert.deepEqual(board.map((e) => [e.nickname, e.rank, e.correct]), [
      ['Ann', 1, 3],
      ['Bob', 2, 1],
    ]);
    assert.ok(board[0]!.score > 1500 && board[0]!.score <= 3000 && board[1]!.score >= 500 && board[1]!.score <= 1000, JSON.stringify(board));
    const rows = await presenter.locator('[data-testid=leaderboard-row]').allInnerTexts();
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, new RegExp(`1\\s+Ann\\s+${board[0]!.score.toLocaleString('en')}`));
    const mine = await phones[1]!.locator('[data-testid=my-standing]').innerText();
    assert.match(mine, new RegExp(`Bob: ${board[1]!.score.toLocaleString('en')} points · rank 2 of 2`));
    await presenter.screenshot({ path: `${SCREENS}quiz-final-1920x1080.png` });
    await phones[1]!.screenshot({ path: `${SCREENS}phone-quiz.png`, fullPage: true });
  });

  it('open text: <script> and <img onerror> answers and nicknames show as text everywhere and never run; a hide leaves the big screen', async () => {
    const created = await call(t.url, 'POST', '/v1/events', {
      title: 'Feedback',
      questions: [
        { question: 'One word for today?', kind: 'text', maxAnswers: 3, status: 'open' },
        { question: 'Quick check', kind: 'quiz', status: 'open', options: [{ text: 'Yes', correct: true }, 'No'] },
      ],
    });
    assert.equal(created.status, 201, created.text);
    const ev = created.json.event as { id: string; code: string; questions: Array<{ id: string; options: Array<{ id: string }> }> };
    const token = created.json.ownerToken as string;
    const presenter = await device(1920, 1080);
    await presenter.goto(`${t.url}/e/${ev.id}/present#owner=${encodeURIComponent(token)}`);
    await presenter.waitForSelector('[data-testid=console-question] >> text=One word for today?');
    await presenter.keyboard.press('s');

    const phone = await device(390, 844);
    await phone.goto(`${t.url}/${ev.code}`);
    await phone.fill('[data-testid=nickname]', NICK_IMG);
    await phone.click('text=Join the quiz');
    await phone.waitForSelector('[data-testid=playing-as]');
    assert.equal(await phone.locator('[data-testid=playing-as] strong').innerText(), NICK_IMG);
    for (const text of [SCRIPT, IMG, 'plain words']) {
      await phone.waitForSelector('[data-testid=text-answer]');
      await phone.fill('[data-testid=text-answer]', text);
      await phone.click('text=Send answer');
      // A fresh, empty box comes back for the next answer (maxAnswers 3); none after the last.
      await phone.waitForSelector('[data-testid=answered]');
      await phone.waitForFunction(() => !(globalThis as unknown as PageDom).document.querySelector('[data-testid=text-answer]')?.value);
    }
    await presenter.waitForSelector('[data-testid=console-results] figcaption >> text=3 answers');
    assert.equal(await phone.locator('[data-testid=text-answer]').count(), 0, 'no box after the third answer');
    // The feed shows each answer's characters exactly; the cloud shows their words as text.
    await presenter.waitForSelector(`[data-testid=feed-item] >> text=${IMG}`);
    const feed = await presenter.locator('[data-testid=feed-item] .feed-text').allInnerTexts();
    assert.deepEqual([...feed].sort(), [IMG, SCRIPT, 'plain words'].sort());
    assert.equal(await presenter.locator('[data-testid=latest-answers] img, [data-testid=latest-answers] script').count(), 0, 'no element made from an answer');
    await presenter.waitForSelector('[data-testid=word-cloud] >> text=script');
    assert.equal(await presenter.locator('[data-testid=word-cloud] img, [data-testid=word-cloud] script').count(), 0);
    await presenter.screenshot({ path: `${SCREENS}text-cloud-1920x1080.png` });

    // Hide the <img> answer: it leaves the feed's shown answers and its words leave the cloud.
    await presenter.locator('[data-testid=feed-item]', { hasText: IMG }).locator('[data-testid=hide-answer]').click();
    await presenter.waitForSelector(`[data-testid=feed-item] >> text=${IMG}`, { state: 'detached' });
    await presenter.waitForSelector('[data-testid=word-cloud] >> text=onerror', { state: 'detached' });

    // The nickname shows as text on the leaderboard and the phone's standing.
    const q = ev.questions[1]!;
    await call(t.url, 'POST', `/v1/events/${ev.id}/current`, { questionId: q.id }, { authorization: `Bearer ${token}` });
    await phone.waitForSelector('label.quiz-choice:has-text("Yes")');
    await phone.click('label.quiz-choice:has-text("Yes")');
    await phone.click('text=Send answer');
    await phone.waitForSelector('[data-testid=answered]');
    await call(t.url, 'POST', `/v1/events/${ev.id}/questions/${q.id}/close`, undefined, { authorization: `Bearer ${token}` });
    await presenter.waitForSelector('[data-testid=leaderboard-row]');
    assert.equal(await presenter.locator('[data-testid=leaderboard-row] .lb-name').innerText(), NICK_IMG);
    await phone.waitForSelector('[data-testid=my-standing]');
    assert.match(await phone.locator('[data-testid=my-standing]').innerText(), /^<img src=x onerror=a\(\)>: /);
    assert.equal(await presenter.locator('[data-testid=leaderboard] img').count(), 0);
    for (const p of [presenter, phone]) await noScriptRan(p);
    await phone.screenshot({ path: `${SCREENS}phone-xss.png`, fullPage: true });
  });
});
