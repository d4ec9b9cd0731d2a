/// <reference lib="dom" />
/**
 * The reader's pages in headless Chromium (Debian's, through playwright-core) against a local
 * newsroom with the Bakiyev story: newest first, live without reloads (at the top, and behind a
 * "N new updates" button that moves nothing when the reader is further down), corrections and
 * retractions in place, paused while hidden, new-since-last-visit marks, hostile text that runs
 * nothing under the CSP, axe-core finding nothing serious, an old feed entry's link landing on
 * its update. Screenshots of the story page on a desktop and a phone are kept in
 * test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { launchChromium } from '../support/browser';
import { until } from '../support/until';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'live-page-token-0123456789';
const SHOTS = new URL('../../test-results/screenshots/', import.meta.url);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 390, height: 720 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let newsroom: Newsroom;
let browser: Browser;

async function post(storyId: string, body: unknown): Promise<{ updateId: string; version: number }> {
  const res = await fetch(`${newsroom.url}/api/stories/${storyId}/updates`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { updateId: string; version: number };
}

async function open(storyId: string, headline: string, summary = 'A story for the page tests.'): Promise<void> {
  const res = await fetch(`${newsroom.url}/api/stories`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: storyId, headline, summary }),
  });
  expect(res.status).toBe(201);
}

const statement = (quote: string) => ({ type: 'statement', speaker: { name: 'Ilse Fictional-Sørensen', role: 'spokesperson' }, quote });

const projected = (storyId: string, version: number) =>
  until(async () => {
    const res = await fetch(`${newsroom.url}/api/stories/${storyId}?limit=1`);
    return res.ok && ((await res.json()) as { version: number }).version >= version ? true : undefined;
  }, 20_000);

/** A page that records what must never happen on it: dialogs, CSP violations, script errors. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; incidents: () => Promise<string[]> }> {
  const page = await context.newPage();
  const incidents: string[] = [];
  page.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => incidents.push(`error: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { violations: string[] }).violations ??= [];
      (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return {
    page,
    incidents: async () => [...incidents, ...((await page.evaluate(() => (window as unknown as { violations?: string[] }).violations)) ?? [])],
  };
}

const timelineIds = (page: Page) => page.locator('ol.timeline > li').evaluateAll((items) => items.map((li) => li.id.replace('update-', '')));

beforeAll(async () => {
  // Open pages ask for changes every 2 seconds here (15 by default), so the tests wait seconds, not minutes;
  // the long story is posted faster than an editor's default write rate.
  Object.assign(process.env, { NEWSROOM_PAGE_POLL_SECONDS: '2', NEWSROOM_WRITE_RATE: '1000', NEWSROOM_WRITE_BURST: '1000' });
  [newsroom, browser] = await Promise.all([
    startNewsroom({ inMemory: true, port: 0, editorTokens: `anna:${TOKEN}`, quiet: true, log: () => {} }),
    launchChromium(),
  ]);
  await projected(STORY, 15);
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await newsroom?.stop();
  for (const name of ['NEWSROOM_PAGE_POLL_SECONDS', 'NEWSROOM_WRITE_RATE', 'NEWSROOM_WRITE_BURST']) delete process.env[name];
});

describe('the Bakiyev story page', () => {
  it('shows both articles and every statement, newest first; screenshots on a desktop and a phone', async () => {
    const res = await fetch(`${newsroom.url}/api/stories/${STORY}/events?limit=100`);
    const events = ((await res.json()) as { events: { type: string; metadata: { updateId: string } }[] }).events;
    const articles = events.filter((e) => e.type === 'ArticlePublished').map((e) => e.metadata.updateId);
    const statements = events.filter((e) => e.type === 'StatementRecorded').map((e) => e.metadata.updateId);
    expect(articles).toHaveLength(2);
    expect(statements.length).toBeGreaterThanOrEqual(10);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    expect(await page.locator('h1').textContent()).toMatch(/Bakiyev/);
    const newest = await timelineIds(page);
    expect(new Set(newest)).toEqual(new Set([...articles, ...statements]));
    expect(await page.locator('ol.timeline > li[data-kind=article]').count()).toBe(2);
    const keys = await page.locator('ol.timeline > li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.key!));
    expect(keys).toEqual([...keys].sort().reverse());
    // Reported speech stays no quotation; the Al Jazeera title is the newsroom's, and says so.
    const otunbayeva = page.locator('ol.timeline > li[data-kind=statement]', { hasText: 'Roza Otunbayeva' }).first();
    expect(await otunbayeva.textContent()).toMatch(/Reported speech, not a direct quote:/);
    expect(await page.locator('ol.timeline > li', { hasText: 'does not expect to return as president' }).textContent()).toContain(
      'Title supplied by the newsroom',
    );
    // Oldest first on request.
    await page.getByRole('link', { name: 'Read from the start' }).click();
    expect(page.url()).toMatch(/\?order=oldest$/);
    expect(await timelineIds(page)).toEqual([...newest].reverse());
    await page.goBack();
    await page.screenshot({ path: new URL('story-desktop.png', SHOTS).pathname, fullPage: true });
    expect(await incidents()).toEqual([]);
    await context.close();

    const phone = await browser.newContext(PHONE);
    const onPhone = await watchedPage(phone);
    await onPhone.page.goto(`${newsroom.url}/stories/${STORY}`);
    // Nothing wider than the phone: no sideways scrolling.
    expect(await onPhone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await onPhone.page.screenshot({ path: new URL('story-phone.png', SHOTS).pathname, fullPage: false });
    expect(await onPhone.incidents()).toEqual([]);
    await phone.close();
  });

  it('an update posted while the reader is at the top appears at the top, without a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    const before = await timelineIds(page);
    const { updateId } = await post(STORY, statement('We are watching the situation closely.'));
    await expect.poll(async () => (await timelineIds(page))[0], { timeout: 20_000 }).toBe(updateId);
    expect(await timelineIds(page)).toEqual([updateId, ...before]);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await page.title()).not.toMatch(/^\(/);
    expect(await page.locator('#new-updates').isHidden()).toBe(true);
    expect(await page.locator('#story-head').textContent()).toContain(`${before.length + 1} updates`);
    await expect.poll(() => page.locator('#live-status').textContent(), { timeout: 5_000 }).toMatch(/1 new update added at the top/);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it('when the reader is further down: a "N new updates" button and "(N)" in the title, and nothing moves until it is pressed', async () => {
    const context = await browser.newContext(PHONE);
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    const anchor = page.locator('ol.timeline > li').nth(6);
    await anchor.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 40));
    const where = () =>
      page.evaluate(() => ({ y: window.scrollY, top: document.querySelectorAll('ol.timeline > li')[6]!.getBoundingClientRect().top }));
    const before = await where();
    const ids = await timelineIds(page);
    const first = await post(STORY, statement('A first statement while the reader is reading.'));
    const second = await post(STORY, statement('A second statement while the reader is reading.'));
    const button = page.getByRole('button', { name: 'Show 2 new updates' });
    await button.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.title()).toMatch(/^\(2\) /);
    expect(await timelineIds(page)).toEqual(ids);
    expect(await where()).toEqual(before);
    await button.click();
    expect((await timelineIds(page)).slice(0, 2)).toEqual([second.updateId, first.updateId]);
    expect(await page.title()).not.toMatch(/^\(/);
    expect(await button.isHidden()).toBe(true);
    // Keyboard users land on the first new update.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`update-${second.updateId}`);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it('a correction shows in place with its note; a retraction replaces the text with its notice', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, incidents } = await watchedPage(context);
    const corrected = await post(STORY, statement('The talks will resume on Monday.'));
    const retracted = await post(STORY, statement('The border is closed.'));
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    await page.locator(`#update-${retracted.updateId}`).waitFor();
    const ids = await timelineIds(page);
    await post(STORY, {
      type: 'correction',
      target: corrected.updateId,
      changes: { quote: 'The talks will resume on Tuesday.' },
      note: 'The day was wrong.',
    });
    await post(STORY, { type: 'retraction', target: retracted.updateId, reason: 'The statement was misattributed.' });
    const item = (id: string) => page.locator(`#update-${id}`);
    await expect.poll(() => item(retracted.updateId).textContent(), { timeout: 20_000 }).toContain('The statement was misattributed.');
    await expect.poll(() => item(corrected.updateId).textContent(), { timeout: 20_000 }).toContain('The day was wrong.');
    expect(await item(corrected.updateId).locator('blockquote').textContent()).toContain('Tuesday');
    expect(await item(corrected.updateId).locator('.correction').count()).toBe(1);
    expect(await item(retracted.updateId).locator('.retracted').count()).toBe(1);
    expect(await item(retracted.updateId).textContent()).not.toMatch(/border is closed|Fictional-Sørensen/);
    // In place: the same updates in the same order, nothing new at the top.
    expect(await timelineIds(page)).toEqual(ids);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it('pauses while the tab is hidden and catches up when it is shown again', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, incidents } = await watchedPage(context);
    let asked = 0;
    page.on('request', (request) => {
      if (request.url().includes('/changes?')) asked++;
    });
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { value, configurable: true });
        Object.defineProperty(document, 'visibilityState', { value: value ? 'hidden' : 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    const during = asked;
    const { updateId } = await post(STORY, statement('Posted while nobody was looking.'));
    await new Promise((r) => setTimeout(r, 7_000));
    expect(asked).toBe(during);
    expect(await page.locator(`#update-${updateId}`).count()).toBe(0);
    await setHidden(false);
    await page.locator(`#update-${updateId}`).waitFor({ timeout: 5_000 });
    expect(asked).toBeGreaterThan(during);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it('marks the updates that are new since the reader’s last visit, and only those', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const first = await context.newPage();
    await first.goto(`${newsroom.url}/stories/${STORY}`);
    await first.close();
    const { updateId } = await post(STORY, statement('Something new since the last visit.'));
    await until(async () => ((await (await fetch(`${newsroom.url}/stories/${STORY}`)).text()).includes(updateId) ? true : undefined), 20_000);
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    // The browser may show its cached copy of the page (max-age): then the update arrives live, and is marked all the same.
    await page.locator(`#update-${updateId}`).waitFor({ timeout: 20_000 });
    expect(await page.locator('ol.timeline > li.unseen').evaluateAll((items) => items.map((li) => li.id))).toEqual([`update-${updateId}`]);
    expect(await page.locator(`#update-${updateId} .badge`).textContent()).toBe('New since your last visit');
    await page.reload();
    expect(await page.locator('ol.timeline > li.unseen').count()).toBe(0);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it('a new headline replaces the head and joins the headline history, which links the story as it stood', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    const before = await page.locator('#headline-history li').count();
    const { version } = await post(STORY, { type: 'headline', headline: 'Otunbayeva’s interim government takes charge in Kyrgyzstan' });
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 20_000 }).toBe('Otunbayeva’s interim government takes charge in Kyrgyzstan');
    expect(await page.title()).toBe('Otunbayeva’s interim government takes charge in Kyrgyzstan – Newsroom');
    expect(await page.locator('#headline-history li').count()).toBe(before + 1);
    await page.locator('#headline-history summary').click();
    // The headline before: the story as it stood when it was set.
    const previous = page.locator('#headline-history li').nth(1).getByRole('link');
    const stood = Number((await previous.getAttribute('href'))!.split('?version=')[1]);
    expect(stood).toBeLessThan(version);
    await previous.click();
    expect(await page.locator('.past').textContent()).toContain(`as it stood at version ${stood}`);
    expect(await page.locator('h1').textContent()).toMatch(/Bakiyev/);
    expect(await page.locator('script[src]').count()).toBe(0);
    expect(await incidents()).toEqual([]);
    await context.close();
  });
});

describe('key events and the pinned update', () => {
  it('appear at the top of an open page when an editor marks and pins, and the timeline stays as it was', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    const ids = await timelineIds(page);
    const [marked, pinned] = [ids[3]!, ids[5]!];
    await post(STORY, { type: 'key-event', target: marked, keyEvent: true });
    await post(STORY, { type: 'pin', target: pinned });
    await page.locator('#pinned-region section.pinned').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('#key-events-region li').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.locator(`#update-${marked} .badge.key`).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('#pinned-region').textContent()).toContain(
      (await page.locator(`#update-${pinned} .small`).first().textContent())!.trim(),
    );
    // The pinned copy links its place in the timeline.
    await page.getByRole('link', { name: 'in the timeline' }).click();
    expect(page.url()).toMatch(new RegExp(`#update-${pinned}$`));
    expect(await timelineIds(page)).toEqual(ids);
    // "Key events only" shows just them.
    await page.getByRole('link', { name: 'Show the key events only' }).click();
    expect(await timelineIds(page)).toEqual([marked]);
    expect(await incidents()).toEqual([]);
    await context.close();
  });
});

describe('hostile text', () => {
  it('runs nothing on the story page, the live page, a permalink or the front page: no dialog, no CSP violation', async () => {
    const story = 'e2e-hostile-text';
    const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    await open(story, `Headline ${hostile}`, `Summary "><svg onload=alert(3)> ${hostile}`);
    const said = await post(story, {
      type: 'statement',
      speaker: { name: `<img src=x onerror=alert(4)>`, role: `"><b onmouseover=alert(5)>` },
      quote: `${hostile} ]]> &amp; javascript:alert(6)`,
      context: `<iframe src="javascript:alert(7)"></iframe>`,
    });
    await post(story, {
      type: 'article',
      title: `Title ${hostile}`,
      url: 'https://example.com/?q=%3Cscript%3E',
      outlet: `<b>Outlet</b>`,
      publishedAt: '2026-01-01',
    });
    await projected(story, 3);
    const context = await browser.newContext();
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${newsroom.url}/stories/${story}`);
    expect(await page.locator('h1').textContent()).toBe(`Headline ${hostile}`);
    expect(await page.locator('blockquote').first().textContent()).toContain(hostile);
    // Live: a hostile update arriving while the page is open is text too.
    const live = await post(story, statement(`<img src=x onerror="window.pwned=1">${hostile}`));
    await page.locator(`#update-${live.updateId}`).waitFor({ timeout: 20_000 });
    expect(await page.locator(`#update-${live.updateId} blockquote`).textContent()).toContain('<img src=x onerror="window.pwned=1">');
    for (const path of [`/stories/${story}/updates/${said.updateId}`, '/']) await page.goto(newsroom.url + path);
    expect(await page.locator('img, iframe, svg').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await incidents()).toEqual([]);
    await context.close();
  });
});

describe('accessibility', () => {
  it('axe-core finds nothing serious or critical on the front page, a story page and a permalink, in light and dark', async () => {
    const { updateId } = await post(STORY, statement('An update to check the permalink page with axe.'));
    await until(async () => ((await fetch(`${newsroom.url}/stories/${STORY}/updates/${updateId}`)).ok ? true : undefined), 20_000);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const path of ['/', `/stories/${STORY}`, `/stories/${STORY}/updates/${updateId}`]) {
        await page.goto(newsroom.url + path);
        // Evaluated through the DevTools protocol, which the page's CSP does not govern.
        await page.evaluate(axeSource);
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
          return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
        });
        for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') found.push(`${scheme} ${path}: ${v.id} (${v.nodes})`);
      }
    }
    expect(found).toEqual([]);
    await context.close();
  });
});

describe('a long story', () => {
  it('the link of an old entry of its feed opens a page that shows that update', async () => {
    const story = 'e2e-long-story';
    await open(story, 'A long story');
    for (let i = 0; i < 120; i++) await post(story, statement(`Statement number ${i} of a long story.`));
    await projected(story, 121);
    // The oldest archive page: prev-archive links all the way back.
    const prevArchive = (atom: string) => atom.match(/<link rel="prev-archive"[^>]* href="([^"]+)"/)?.[1];
    let oldest = await (await fetch(`${newsroom.url}/stories/${story}/feed.atom`)).text();
    for (let archive = prevArchive(oldest); archive; archive = prevArchive(oldest)) oldest = await (await fetch(archive)).text();
    const link = oldest.match(/<entry>[\s\S]*?<link rel="alternate" type="text\/html" href="([^"]+)"/)![1]!;
    const updateId = link.split('/updates/')[1]!;
    const firstPage = await (await fetch(`${newsroom.url}/stories/${story}`)).text();
    expect(firstPage).not.toContain(`update-${updateId}`);
    const context = await browser.newContext();
    const { page, incidents } = await watchedPage(context);
    await page.goto(link);
    expect(await page.locator(`#update-${updateId}`).textContent()).toMatch(/Statement number \d+ of a long story/);
    expect(await page.locator('h1').textContent()).toBe('Statement by Ilse Fictional-Sørensen');
    expect(await incidents()).toEqual([]);
    await context.close();
  });
});
