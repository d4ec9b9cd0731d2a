/// <reference lib="dom" />
/**
 * The editor's desk in headless Chromium (Debian's, through playwright-core) against a local
 * newsroom, by labels and roles only: signing in (a wrong token refused beside its field, the token
 * in sessionStorage and no cookie), opening a story, posting a statement that then reaches the
 * public Atom feed (read by Python's feedparser), a double click recorded once, a retry after a
 * lost answer sent with the same Idempotency-Key and recorded once, an invalid URL
 * shown beside the URL field, the 412 after another editor posted and the reload that follows,
 * key events and the pin from the timeline (seen on the public page), a correction and a
 * retraction, axe-core finding nothing serious, a phone-sized screen. Nothing may break the CSP.
 * Screenshots: test-results/screenshots/desk-*.png (docs/desk.md shows them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Newsroom } from '../../functions/local/server';
import { axe, SHOTS, startDeskSession, watch, type DeskSession } from '../support/desk';
import { parseWithFeedparser } from '../support/feed-parsers';
import { until } from '../support/until';

const ANNA = 'desk-anna-token-0123456789';
const BEN = 'desk-ben-token-0123456789';
const STORY = 'e2e-desk-story';
const HEADLINE = 'Flooding closes the river port';
const PHONE = { viewport: { width: 390, height: 720 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const WAIT = { timeout: 15_000 };

let newsroom: Newsroom;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const incidents: string[] = [];

interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: { updateId: string; version: number; recordedBy: string; idempotencyKey?: string };
}

async function events(): Promise<LoggedEvent[]> {
  const res = await fetch(`${newsroom.url}/api/stories/${STORY}/events?limit=1000`, { headers: { Authorization: `Bearer ${ANNA}` } });
  return ((await res.json()) as { events: LoggedEvent[] }).events;
}

async function signIn(p: Page, token = ANNA, editor = 'anna'): Promise<void> {
  await p.getByLabel('Editor token', { exact: true }).fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await signedIn(p, editor);
}

const signedIn = (p: Page, editor = 'anna') => p.getByText(`Signed in as ${editor}`, { exact: true }).waitFor(WAIT);

const statementForm = (p: Page) => p.getByRole('form', { name: 'Post a statement' });
const entry = (p: Page, text: string): Locator => p.locator('#desk-timeline').getByRole('listitem').filter({ hasText: text });
const status = (p: Page) => p.getByRole('status');

async function postStatement(p: Page, quote: string, fields: Record<string, string> = {}): Promise<void> {
  const form = statementForm(p);
  await form.getByLabel('Speaker', { exact: true }).fill(fields.Speaker ?? 'Aida Fictional-Kadyrova');
  await form.getByLabel('Role', { exact: true }).fill(fields.Role ?? 'port authority spokesperson');
  await form.getByLabel('Quote', { exact: true }).fill(quote);
  for (const [label, value] of Object.entries(fields))
    if (label !== 'Speaker' && label !== 'Role') await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByRole('button', { name: 'Publish' }).click();
}

let session: DeskSession | undefined;
beforeAll(async () => {
  session = await startDeskSession(`anna:${ANNA},ben:${BEN}`, incidents);
  ({ newsroom, browser, context, page } = session);
}, 120_000);
afterAll(() => session?.stop());

describe('the editor’s desk', { timeout: 60_000 }, () => {
  it('signs in with an editor token kept in the tab only (a wrong one refused beside its field), and opens a new story', async () => {
    await page.goto(`${newsroom.url}/desk`);
    expect(await axe(page)).toEqual([]);
    await page.getByLabel('Editor token', { exact: true }).fill('not-an-editor-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const tokenField = page.getByLabel('Editor token', { exact: true });
    await expect.poll(() => tokenField.getAttribute('aria-invalid'), WAIT).toBe('true');
    expect(await tokenField.evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent)).toBe('Editor token');
    const described = await tokenField.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? ''),
    );
    expect(described.join(' ')).toMatch(/not an editor token/);

    await signIn(page);

    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([ANNA]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await context.cookies()).toEqual([]);
    expect(await axe(page)).toEqual([]);

    await page.getByLabel('Story id', { exact: true }).fill(STORY);
    await page.getByLabel('Headline', { exact: true }).fill(HEADLINE);
    await page.getByLabel('Summary', { exact: true }).fill('The river port is shut after two days of rain.');
    await page.screenshot({ path: new URL('desk-home.png', SHOTS).pathname, fullPage: true });
    await page.getByRole('button', { name: 'Open a new story' }).click();
    await page.waitForURL(`**/desk/stories/${STORY}`, WAIT);
    // A new page of the same tab: still signed in, from sessionStorage.
    await signedIn(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(HEADLINE);

    await page.goto(`${newsroom.url}/desk`);
    await signedIn(page);
    await page.getByRole('link', { name: HEADLINE }).click();
    await page.waitForURL(`**/desk/stories/${STORY}`, WAIT);
    expect(incidents).toEqual([]);
  });

  it('posts a statement that then shows in the public Atom feed; a double click records it once', async () => {
    await signedIn(page);
    const quote = 'The port stays closed until the water falls.';
    const form = statementForm(page);
    await form.getByLabel('Speaker', { exact: true }).fill('Aida Fictional-Kadyrova');
    await form.getByLabel('Role', { exact: true }).fill('port authority spokesperson');
    await form.getByLabel('Quote', { exact: true }).fill(quote);
    await form.getByLabel('Medium', { exact: true }).fill('press conference');
    await form.getByLabel('Context', { exact: true }).fill('Said at the harbour master’s office.');
    await form.getByRole('button', { name: 'Publish' }).dblclick();
    await expect.poll(() => status(page).textContent(), WAIT).toMatch(/^Published: version 2\./);
    await entry(page, quote).waitFor(WAIT);

    const recorded = (await events()).filter((e) => e.type === 'StatementRecorded' && e.data.quote === quote);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.metadata.recordedBy).toBe('anna');
    expect(recorded[0]!.metadata.idempotencyKey).toMatch(/\S/);

    const atom = await until(async () => {
      const text = await (await fetch(`${newsroom.url}/stories/${STORY}/feed.atom`)).text();
      return text.includes('harbour master') ? text : undefined;
    }, 15_000);
    const parsed = await parseWithFeedparser(atom, { contentType: 'application/atom+xml' });
    expect(parsed.bozo).toBe(false);
    expect(parsed.version).toBe('atom10');
    const found = parsed.entries.find((e) => e.content.some((c) => c.value?.includes(quote)));
    expect(found?.link).toContain(`/stories/${STORY}/updates/${recorded[0]!.metadata.updateId}`);
    await page.screenshot({ path: new URL('desk-story.png', SHOTS).pathname, fullPage: true });
    expect(incidents).toEqual([]);
  });

  it('shows the API’s refusal beside the field it names (an invalid URL), and stores nothing', async () => {
    const before = (await events()).length;
    await postStatement(page, 'A statement with a broken link.', { URL: 'not a link at all' });
    const url = statementForm(page).getByLabel('URL', { exact: true });
    await expect.poll(() => url.getAttribute('aria-invalid'), WAIT).toBe('true');
    const errorId = (await url.getAttribute('aria-describedby'))!.split(' ').find((id) => id.endsWith('-error'))!;
    const error = page.locator(`[id="${errorId}"]`);
    expect(await error.isVisible()).toBe(true);
    expect((await error.textContent())!.length).toBeGreaterThan(5);
    // Beside its field: in the same field group, right under it.
    expect(await url.evaluate((el, id) => el.parentElement!.contains(document.getElementById(id)), errorId)).toBe(true);
    expect(await statementForm(page).getByLabel('Quote', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: new URL('desk-field-error.png', SHOTS).pathname, fullPage: false });
    expect((await events()).length).toBe(before);

    await url.fill('https://port.example/notices/7');
    await statementForm(page).getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => status(page).textContent(), WAIT).toMatch(/^Published: version 3\./);
    expect(await url.getAttribute('aria-invalid')).toBeNull();
    // The desk has put version 3 in place: what the next test's 412 is measured from.
    await entry(page, 'A statement with a broken link.').waitFor(WAIT);
    expect(incidents).toEqual([]);
  });

  it('says the story moved on after another editor posted, and publishes once the timeline is reloaded', async () => {
    const res = await fetch(`${newsroom.url}/api/stories/${STORY}/updates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${BEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'statement', speaker: { name: 'Bekzat Fictional' }, quote: 'Ben posted this from the API.' }),
    });
    expect(res.status).toBe(201);
    const quote = 'Anna wrote this before seeing Ben’s update.';
    await postStatement(page, quote);
    const alert = page.getByRole('alert').filter({ hasText: 'Another editor' });
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toContain('The story moved on: version 4 now.');
    expect((await events()).some((e) => e.data.quote === quote)).toBe(false);
    await page.screenshot({ path: new URL('desk-moved-on.png', SHOTS).pathname, fullPage: false });

    await page.getByRole('button', { name: 'Reload the timeline' }).click();
    await entry(page, 'Ben posted this from the API.').waitFor(WAIT);
    // The form kept what Anna wrote: publishing again records it on top of version 4.
    expect(await statementForm(page).getByLabel('Quote', { exact: true }).inputValue()).toBe(quote);
    await statementForm(page).getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => status(page).textContent(), WAIT).toMatch(/^Published: version 5\./);
    expect((await events()).filter((e) => e.data.quote === quote)).toHaveLength(1);
    await entry(page, quote).waitFor(WAIT);
    expect(incidents).toEqual([]);
  });

  it('marks a key event and pins from the timeline; the public page shows both', async () => {
    const quote = 'The port stays closed until the water falls.';
    await entry(page, quote).getByRole('button', { name: 'Mark as key event' }).click();
    await entry(page, quote).getByRole('button', { name: 'Unmark key event' }).waitFor(WAIT);
    await entry(page, quote).getByRole('button', { name: 'Pin' }).click();
    await entry(page, quote).getByRole('button', { name: 'Unpin' }).waitFor(WAIT);
    expect(await entry(page, quote).textContent()).toMatch(/Pinned.*Key event/s);

    const reader = await context.newPage();
    await reader.goto(`${newsroom.url}/stories/${STORY}`);
    expect(await reader.getByRole('region', { name: 'Pinned' }).textContent()).toContain(quote);
    expect(await reader.getByRole('region', { name: 'Key events' }).textContent()).toContain('Aida Fictional-Kadyrova');
    await reader.close();
    expect(incidents).toEqual([]);
  });

  it('corrects with a note and retracts with a reason from the timeline', async () => {
    const wrong = 'Ben posted this from the API.';
    const item = entry(page, wrong);
    await item.getByText('Correct', { exact: true }).click();
    const correction = item.getByRole('form', { name: /^Correct/ });
    await correction.getByLabel('Quote', { exact: true }).fill('Ben posted this from the API, corrected.');
    await correction.getByRole('button', { name: 'Publish the correction' }).click();
    // A correction without its note is refused beside the Note field.
    const note = correction.getByLabel('Note', { exact: true });
    await expect.poll(() => note.getAttribute('aria-invalid'), WAIT).toBe('true');
    await note.fill('The quote was cut short.');
    await correction.getByRole('button', { name: 'Publish the correction' }).click();
    const corrected = entry(page, 'Ben posted this from the API, corrected.');
    await corrected.getByText('The quote was cut short.').waitFor(WAIT);

    const broken = entry(page, 'A statement with a broken link.');
    await broken.getByText('Retract', { exact: true }).click();
    await broken
      .getByRole('form', { name: /^Retract/ })
      .getByLabel('Reason', { exact: true })
      .fill('Posted by mistake.');
    await broken.getByRole('button', { name: 'Retract the update' }).click();
    await entry(page, 'Posted by mistake.').waitFor(WAIT);
    expect(await page.locator('#desk-timeline').textContent()).not.toContain('A statement with a broken link.');

    const publicPage = await (await fetch(`${newsroom.url}/stories/${STORY}`)).text();
    expect(publicPage).toContain('The quote was cut short.');
    expect(publicPage).toContain('Posted by mistake.');
    expect(publicPage).not.toContain('A statement with a broken link.');
    expect(await axe(page)).toEqual([]);
    expect(incidents).toEqual([]);
  });

  it('a submission retried after its answer was lost carries the same Idempotency-Key and is recorded once', async () => {
    const quote = 'Recorded once, whatever the network did.';
    const keys: string[] = [];
    let dropped = false;
    // The first POST reaches the server and is recorded; its answer never reaches the page.
    await page.route('**/api/stories/*/updates', async (route) => {
      keys.push(route.request().headers()['idempotency-key']!);
      if (dropped) return route.continue();
      dropped = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await postStatement(page, quote);
    await expect.poll(() => statementForm(page).getByRole('alert').textContent(), WAIT).toMatch(/did not answer/);
    await statementForm(page).getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => status(page).textContent(), WAIT).toMatch(/^Published: version \d+\./);
    await page.unroute('**/api/stories/*/updates');
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const recorded = (await events()).filter((e) => e.data.quote === quote);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.metadata.idempotencyKey).toBe(keys[0]);
    await entry(page, quote).waitFor(WAIT);
    expect(incidents).toEqual([]);
  });

  it('works on a phone, in light and dark: nothing wider than the screen, signed in, publishes', async () => {
    const phone = await browser.newContext(PHONE);
    const p = await phone.newPage();
    await watch(p, incidents);
    await p.goto(`${newsroom.url}/desk/stories/${STORY}`);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await signIn(p, BEN, 'ben');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await postStatement(p, 'Posted from a phone.');
    await entry(p, 'Posted from a phone.').waitFor(WAIT);
    expect(await axe(p)).toEqual([]);
    await p.emulateMedia({ colorScheme: 'dark' });
    expect(await axe(p)).toEqual([]);
    await p.emulateMedia({ colorScheme: 'light' });
    await p.screenshot({ path: new URL('desk-phone.png', SHOTS).pathname, fullPage: false });
    await p.getByRole('button', { name: 'Sign out' }).click();
    expect(await p.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await p.getByLabel('Editor token', { exact: true }).isVisible()).toBe(true);
    await phone.close();
    expect(incidents).toEqual([]);
  });
});
