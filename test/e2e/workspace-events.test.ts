/**
 * Workspace events in Chromium: the owner builds an event in their workspace in the web app; an
 * editor, logged in elsewhere and without the owner token, finds it on the workspace page and
 * presents it with their session.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { addMember, signUp, type Actor } from '../support/accounts.js';
import { ensureWebBuilt, launchBrowser, needBrowser } from '../support/browser.js';

const skip = needBrowser();
const T = 15_000;

describe('workspace events in Chromium', { skip }, () => {
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no uncaught errors in the pages'));

  before(async () => {
    ensureWebBuilt();
    [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await t?.stop();
  });

  /** A browser logged in as `who` (their session cookie). */
  async function as(who: Actor): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(T);
    contexts.push(ctx);
    const [name, value] = who.headers.cookie!.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: t.url }]);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    return page;
  }

  it('built in the workspace by its owner, listed there, and presented by an editor with the session alone', async () => {
    const owner = await signUp(t.url, 'Owner');
    const editor = await signUp(t.url, 'Editor');
    const ws = owner.workspaceId!;
    await addMember(t.url, owner, ws, editor, 'editor');

    const o = await as(owner);
    await o.goto(`${t.url}/w/${ws}`);
    await o.getByRole('link', { name: 'New event' }).click();
    await o.waitForURL(/\/e\/new\?workspace=/);
    assert.equal(await o.inputValue('#workspace'), ws, 'the workspace is chosen');
    await o.fill('#event-title', 'Quarterly review');
    await o.fill('#q-0', 'On track?');
    await o.fill('#o-0', 'Yes\nNo');
    await o.click('text=Create and present');
    await o.waitForURL(/\/e\/ev_[A-Za-z0-9]{12}\/present$/);
    const eventId = new URL(o.url()).pathname.split('/')[2]!;
    assert.equal((await call(t.url, 'GET', `/v1/events/${eventId}`)).json.event.workspaceId, ws);

    const e = await as(editor);
    await e.goto(`${t.url}/w/${ws}`);
    const row = e.getByTestId('workspace-events').locator('li', { hasText: 'Quarterly review' });
    await row.getByRole('link', { name: 'Present' }).click();
    await e.getByTestId('console').waitFor();
    await e.getByTestId('open-voting').click();
    await e.getByTestId('close-voting').waitFor();
    const q = (await call(t.url, 'GET', `/v1/events/${eventId}`)).json.event.questions[0];
    assert.equal(q.status, 'open', 'the editor opened voting with the session');
  });
});
