/**
 * Answer exports and analytics in Chromium: the presenter console's "Answers CSV" downloads every
 * answer of the event through GET /v1/events/{id}/export; the analytics pages of an event and of
 * a poll show answers per minute and follow new answers without a reload. Also the create page's
 * new kinds: a standalone ranked, rating and nps poll made and answered in the browser.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launchBrowser, needBrowser } from '../support/browser.js';

const skip = needBrowser();
const SCREENS = '/tmp/pollcast-screens/';
const T = 15_000;

async function streamText(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

describe('exports and analytics in Chromium', { skip }, () => {
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
    const ctx = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    ctx.setDefaultTimeout(T);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    return page;
  }
  const answer = async (pollId: string, body: unknown) => assert.equal((await call(t.url, 'POST', `/v1/polls/${pollId}/votes`, body)).status, 201);

  it("the console's Answers CSV is the event export; the event's analytics page counts answers live, per question too", async () => {
    const r = await call(t.url, 'POST', '/v1/events', {
      title: 'Retro',
      questions: [
        { question: 'Went well?', options: ['Yes', 'No'], status: 'open' },
        { question: 'Score', kind: 'rating', status: 'open' },
      ],
    });
    assert.equal(r.status, 201, r.text);
    const ev = r.json.event as { id: string; code: string; questions: Array<{ id: string; options: Array<{ id: string }> }> };
    const token = r.json.ownerToken as string;
    await answer(ev.questions[0]!.id, { optionIds: [ev.questions[0]!.options[0]!.id] });
    await answer(ev.questions[1]!.id, { value: 4 });

    const presenter = await device(1920, 1080);
    await presenter.goto(`${t.url}/e/${ev.id}/present#owner=${encodeURIComponent(token)}`);
    await presenter.getByTestId('console').waitFor();
    const [file] = await Promise.all([presenter.waitForEvent('download'), presenter.getByTestId('event-export').click()]);
    assert.equal(file.suggestedFilename(), `pollcast-event-${ev.code}-answers.csv`);
    const rows = (await streamText(await file.createReadStream())).trimEnd().split('\r\n');
    assert.match(rows[0]!, /^"question_position","question_id","question","kind","receipt_id"/);
    assert.equal(rows.length, 3, 'a header and both answers');
    assert.match(rows[2]!, /^"2","[^"]+","Score","rating","r_[^"]+","","","4",/);

    await presenter.getByRole('link', { name: 'Analytics' }).click();
    await presenter.waitForURL(/\/e\/ev_[A-Za-z0-9]{12}\/analytics$/);
    await presenter.getByRole('heading', { name: 'Analytics: Retro' }).waitFor();
    await presenter.getByTestId('analytics-total').getByText('2', { exact: true }).waitFor();
    // Live: a new answer shows up without a reload.
    await answer(ev.questions[1]!.id, { value: 2 });
    await answer(ev.questions[1]!.id, { value: 5 });
    await presenter.getByTestId('analytics-total').getByText('4', { exact: true }).waitFor();
    assert.deepEqual(await presenter.getByTestId('question-total').allTextContents(), ['1 answer', '3 answers']);
    await presenter.screenshot({ path: `${SCREENS}event-analytics-1920.png` });
  });

  it("a poll's analytics page, reached from its manage page, with the answers CSV from the poll export", async () => {
    const { poll, ownerToken } = await createPoll(t.url);
    await answer(poll.id, { optionIds: [poll.options[0]!.id] });
    const owner = await device(1280, 800);
    await owner.goto(`${t.url}/p/${poll.id}/manage#owner=${ownerToken}`);
    await owner.getByRole('link', { name: 'Analytics' }).click();
    await owner.getByTestId('analytics-total').getByText('1', { exact: true }).waitFor();
    await answer(poll.id, { optionIds: [poll.options[1]!.id] });
    await owner.getByTestId('analytics-total').getByText('2', { exact: true }).waitFor();
    const [file] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('export-answers').click()]);
    const rows = (await streamText(await file.createReadStream())).trimEnd().split('\r\n');
    assert.deepEqual([rows[0], rows.length], ['"receipt_id","option_ids","options","cast_at"', 3]);

    // Someone without the owner token gets the error, not a page of zeros.
    const stranger = await device(1280, 800);
    await stranger.goto(`${t.url}/p/${poll.id}/analytics`);
    await stranger.locator('[role=alert][data-code=owner_token_required]').waitFor();
  });

  it('the create page makes ranked, rating and nps polls (no options for the scales), and each is answered on its own vote page', async () => {
    const page = await device(1280, 900);
    const made: Record<string, string> = {};
    for (const kind of ['ranked', 'rating', 'nps'] as const) {
      await page.goto(`${t.url}/`);
      await page.fill('#question', `A ${kind} question?`);
      await page.check(`input[name=kind][value=${kind}]`);
      if (kind === 'ranked') {
        await page.fill('#option-0', 'Red');
        await page.fill('#option-1', 'Green');
        await page.getByRole('button', { name: '+ Add option' }).click();
        await page.fill('#option-2', 'Blue');
        await page.fill('#max-rank', '2');
      } else {
        assert.equal(await page.locator('#option-0').count(), 0, 'a scale question has no options to fill');
        if (kind === 'rating') await page.fill('#scale-max', '7');
      }
      await page.getByRole('button', { name: 'Create poll' }).click();
      await page.waitForURL(/\/p\/[^/]+\/share$/);
      made[kind] = new URL(page.url()).pathname.split('/')[2]!;
    }
    const polls = await Promise.all(Object.values(made).map(async (id) => (await call(t.url, 'GET', `/v1/polls/${id}`)).json.poll));
    assert.deepEqual(
      polls.map((p: { kind: string; maxRank?: number; scale?: { min: number; max: number }; options: unknown[] }) => [p.kind, p.maxRank ?? null, p.scale ?? null, p.options.length]),
      [['ranked', 2, null, 3], ['rating', null, { min: 1, max: 7 }, 0], ['nps', null, { min: 0, max: 10 }, 0]],
    );

    await page.goto(`${t.url}/p/${made.ranked}`);
    for (const text of ['Blue', 'Red']) await page.click(`button.rank-choice:has-text("${text}")`);
    await page.click('text=Send answer');
    await page.locator('[data-state=voted]').waitFor();
    await page.goto(`${t.url}/p/${made.rating}`);
    await page.click('.scale-value:has-text("6")');
    await page.click('text=Send answer');
    await page.locator('[data-state=voted]').waitFor();
    const ranked = (await call(t.url, 'GET', `/v1/polls/${made.ranked}/results`)).json;
    assert.equal(ranked.total, 1);
    assert.deepEqual(ranked.irv.rounds[0].counts[polls[0].options[2].id], 1, 'Blue is the first preference');
    assert.equal((await call(t.url, 'GET', `/v1/polls/${made.rating}/results`)).json.mean, 6);
  });
});
