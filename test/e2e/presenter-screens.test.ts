/**
 * The presenter's big screen at 1080p and 4K, in Chromium: a question with 10 long options and
 * its results fits without scrolling, and type and QR code grow with the screen (about 2× from
 * 1920×1080 to 3840×2160) instead of leaving it half empty. Screenshots of both go to
 * /tmp/pollcast-screens/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt, launchBrowser, needBrowser } from '../support/browser.js';

const skip = needBrowser();
const SCREENS = '/tmp/pollcast-screens/';

describe('presenter big screen at 1080p and 4K', { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  before(async () => {
    ensureWebBuilt();
    mkdirSync(SCREENS, { recursive: true });
    [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('10 long options with results fit the screen, and type and QR scale from 1920×1080 to 3840×2160', async () => {
    const options = Array.from({ length: 10 }, (_, i) => `Option ${i + 1}: a rather long answer that a presenter might well write on a slide`);
    const r = await call(t.url, 'POST', '/v1/events', {
      title: 'Big screen',
      questions: [{ question: 'Which of these ten long options would you pick for the next quarter, all things considered?', options, status: 'open' }],
    });
    assert.equal(r.status, 201, r.text);
    const ev = r.json.event as { id: string; questions: Array<{ id: string; options: Array<{ id: string }> }> };
    const token = r.json.ownerToken as string;
    const q = ev.questions[0]!;
    for (let i = 0; i < 25; i++) {
      assert.equal((await call(t.url, 'POST', `/v1/polls/${q.id}/votes`, { optionIds: [q.options[i % 10 === 9 ? 0 : i % 7]!.id] })).status, 201);
    }
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.id}/results`, { shown: true }, { authorization: `Bearer ${token}` })).status, 200);

    const measure = async (width: number, height: number) => {
      const ctx = await browser.newContext({ viewport: { width, height } });
      try {
        const page = await ctx.newPage();
        await page.goto(`${t.url}/e/${ev.id}/present#owner=${encodeURIComponent(token)}`);
        await page.getByTestId('console-results').waitFor();
        await page.locator('[data-testid=console-answers] >> text=25 answers').waitFor();
        await page.waitForTimeout(1_000); // the bars' grow-in transition (0.7 s)
        await page.screenshot({ path: `${SCREENS}console-10-options-${width}x${height}.png` });
        // A string, not a function: tsx's name helpers do not exist in the page.
        return (await page.evaluate(`(() => {
          const size = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
          return {
            scrollY: document.documentElement.scrollHeight - window.innerHeight,
            scrollX: document.documentElement.scrollWidth - window.innerWidth,
            question: size('[data-testid=console-question]'),
            option: size('.console .bar-head'),
            qr: document.querySelector('.console .stage-join .qr').getBoundingClientRect().width,
            code: size('[data-testid=event-code]'),
            bars: document.querySelectorAll('.console .bar').length,
          };
        })()`)) as { scrollY: number; scrollX: number; question: number; option: number; qr: number; code: number; bars: number };
      } finally {
        await ctx.close();
      }
    };
    const hd = await measure(1920, 1080);
    const uhd = await measure(3840, 2160);
    for (const [name, m] of [['1080p', hd], ['4K', uhd]] as const) {
      assert.equal(m.bars, 10, `${name}: all 10 options shown`);
      assert.ok(m.scrollY <= 0 && m.scrollX <= 0, `${name}: no scrolling (${m.scrollX} × ${m.scrollY} px over)`);
    }
    for (const k of ['question', 'option', 'qr', 'code'] as const) {
      const ratio = uhd[k] / hd[k];
      assert.ok(ratio >= 1.6 && ratio <= 2.4, `${k} grows with the screen: ${hd[k].toFixed(0)} px at 1080p, ${uhd[k].toFixed(0)} px at 4K (×${ratio.toFixed(2)})`);
    }
  });
});
