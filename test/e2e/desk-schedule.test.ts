/// <reference lib="dom" />
/**
 * Scheduling from the editor's desk, in headless Chromium (Debian's, through playwright-core)
 * against a local newsroom and its release scheduler, by labels and roles only. The browser runs in
 * Asia/Kolkata (+05:30) and the server in its own zone, so "Release at" must be sent with the
 * editor's offset to name the right instant.
 *
 * An editor posts statements with "Release at" a few seconds ahead (the field takes seconds:
 * step="1"), sees them in the "Scheduled" region (read from GET /api/stories/{id}/scheduled),
 * reschedules one and cancels another from there. Before its time a scheduled statement is on no
 * public surface (the page, open live in another tab, the view, the Atom feed, the public event
 * log); after its time the live page shows it without a reload, and the feed has it with
 * `published` = its release time; the cancelled one is never public. axe-core finds nothing on the
 * desk with the Scheduled region filled. A release time in the past is refused beside its field; a
 * scheduled article is listed by its title (and as a key event) and, cancelled, is never public.
 * Screenshot: test-results/screenshots/desk-scheduled.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { Newsroom } from '../../functions/local/server';
import { axe, SHOTS, startDeskSession, type DeskSession } from '../support/desk';
import { parseWithFeedparser } from '../support/feed-parsers';
import { until } from '../support/until';

const ANNA = 'desk-schedule-anna-token-0123456789';
const STORY = 'e2e-desk-schedule';
const WAIT = { timeout: 15_000 };
/** The live page asks for changes every 15 s (and up to 2 s of jitter): it shows a release within that. */
const LIVE = { timeout: 30_000 };

const SOON = 'The bridge reopens to traffic at noon.';
const MOVED = 'Ferries resume once the bridge is open.';
const DROPPED = 'The minister will visit the port tomorrow.';

let newsroom: Newsroom;
let context: BrowserContext;
let page: Page;
const incidents: string[] = [];

interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: { updateId: string; version: number; recordedBy: string };
}

async function events(token?: string): Promise<LoggedEvent[]> {
  const res = await fetch(`${newsroom.url}/api/stories/${STORY}/events?limit=1000`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  return ((await res.json()) as { events: LoggedEvent[] }).events;
}

const text = async (path: string): Promise<string> => (await fetch(`${newsroom.url}${path}`)).text();

/** Everything public about the story, as text: its page, its view, its Atom feed, its public event log. */
async function publicSurfaces(): Promise<Record<string, string>> {
  const [html, view, atom, log] = await Promise.all([
    text(`/stories/${STORY}`),
    text(`/api/stories/${STORY}`),
    text(`/stories/${STORY}/feed.atom`),
    text(`/api/stories/${STORY}/events?limit=1000`),
  ]);
  return { html, view, atom, log };
}

/** An instant as the browser's datetime-local value (its own zone), to the second. */
const localValue = (p: Page, at: number): Promise<string> =>
  p.evaluate((ms) => {
    const d = new Date(ms);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }, at);

/** A whole second at least `ms` from now. */
const secondsAhead = (ms: number): number => Math.ceil((Date.now() + ms) / 1000) * 1000;
/** As feedparser writes a time: to the second, in UTC. */
const iso = (at: number): string => new Date(at).toISOString().replace('.000Z', 'Z');

const statementForm = (p: Page) => p.getByRole('form', { name: 'Post a statement' });
const scheduled = (p: Page) => p.getByRole('region', { name: 'Scheduled' });
const scheduledItem = (p: Page, quote: string): Locator => scheduled(p).getByRole('listitem').filter({ hasText: quote });
const entry = (p: Page, quote: string): Locator => p.locator('#desk-timeline').getByRole('listitem').filter({ hasText: quote });
const status = (p: Page) => p.getByRole('status');

async function schedule(p: Page, quote: string, at: number): Promise<void> {
  const form = statementForm(p);
  await form.getByLabel('Speaker', { exact: true }).fill('Aida Fictional-Kadyrova');
  await form.getByLabel('Role', { exact: true }).fill('port authority spokesperson');
  await form.getByLabel('Quote', { exact: true }).fill(quote);
  await form.getByLabel('Release at', { exact: true }).fill(await localValue(p, at));
  await form.getByRole('button', { name: 'Publish' }).click();
  await expect.poll(() => status(p).textContent(), WAIT).toMatch(/^Scheduled: to be released at /);
  await scheduledItem(p, quote).waitFor(WAIT);
}

/** The time a Chromium page (left open, no reload) first shows `quote`. */
const shownLive = (p: Page, quote: string): Promise<number> =>
  p
    .getByText(quote)
    .first()
    .waitFor(LIVE)
    .then(() => Date.now());

/** The time the public page (fetched afresh every 25 ms) first has `quote`. */
const shownOnPage = (quote: string): Promise<number> =>
  until(async () => ((await text(`/stories/${STORY}`)).includes(quote) ? Date.now() : undefined), 30_000);

let session: DeskSession | undefined;
beforeAll(async () => {
  session = await startDeskSession(`anna:${ANNA}`, incidents, { timezoneId: 'Asia/Kolkata' });
  ({ newsroom, context, page } = session);
}, 120_000);
afterAll(() => session?.stop());

describe('scheduling from the editor’s desk', { timeout: 90_000 }, () => {
  it('schedules, reschedules and cancels from the desk; nothing is public before its time, and the live page shows it after', async () => {
    await page.goto(`${newsroom.url}/desk`);
    await page.getByLabel('Editor token', { exact: true }).fill(ANNA);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as anna', { exact: true }).waitFor(WAIT);
    await page.getByLabel('Story id', { exact: true }).fill(STORY);
    await page.getByLabel('Headline', { exact: true }).fill('The river bridge reopens');
    await page.getByLabel('Summary', { exact: true }).fill('The bridge over the river is repaired.');
    await page.getByRole('button', { name: 'Open a new story' }).click();
    await page.waitForURL(`**/desk/stories/${STORY}`, WAIT);
    await scheduled(page).getByText('Nothing is scheduled.').waitFor(WAIT);

    // The field takes seconds; what the browser sends names the instant in the editor's zone.
    const field = statementForm(page).getByLabel('Release at', { exact: true });
    expect(await field.getAttribute('type')).toBe('datetime-local');
    expect(await field.getAttribute('step')).toBe('1');

    const later = secondsAhead(3_600_000);
    await schedule(page, DROPPED, later);
    await schedule(page, MOVED, later + 60_000);

    // The region lists what the API lists, soonest first, each by its speaker and words.
    const listed = await scheduled(page).getByRole('listitem').allTextContents();
    expect(listed.map((t) => [DROPPED, MOVED].findIndex((q) => t.includes(q)))).toEqual([0, 1]);
    expect(listed[0]).toContain(`Aida Fictional-Kadyrova: “${DROPPED}”`);
    const listing = async () =>
      (
        (await (await fetch(`${newsroom.url}/api/stories/${STORY}/scheduled`, { headers: { Authorization: `Bearer ${ANNA}` } })).json()) as {
          scheduled: { releaseAt: string; content: { quote: string } }[];
        }
      ).scheduled.map((s) => [s.content.quote, Date.parse(s.releaseAt)]);
    expect(await listing()).toEqual([
      [DROPPED, later],
      [MOVED, later + 60_000],
    ]);
    // Each item's "Release at" starts at its release time, in the editor's zone.
    expect(await scheduledItem(page, DROPPED).getByLabel('Release at', { exact: true }).inputValue()).toBe(await localValue(page, later));

    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: new URL('desk-scheduled.png', SHOTS).pathname, fullPage: true });

    // Cancel one with a reason; reschedule another to a few seconds from now; then post one a few seconds ahead.
    const cancelForm = scheduledItem(page, DROPPED).getByRole('form', {
      name: `Cancel the release of Aida Fictional-Kadyrova: “${DROPPED}”`,
    });
    await cancelForm.getByLabel('Reason', { exact: true }).fill('The visit was called off.');
    await cancelForm.getByRole('button', { name: 'Cancel the release' }).click();
    await expect.poll(() => status(page).textContent(), WAIT).toMatch(/^Release cancelled: version \d+\./);
    await expect.poll(() => scheduled(page).getByRole('listitem').count(), WAIT).toBe(1);

    const moved = secondsAhead(14_000);
    const movedForm = scheduledItem(page, MOVED).getByRole('form', { name: `Reschedule Aida Fictional-Kadyrova: “${MOVED}”` });
    await movedForm.getByLabel('Release at', { exact: true }).fill(await localValue(page, moved));
    await movedForm.getByRole('button', { name: 'Reschedule' }).click();
    await expect.poll(() => status(page).textContent(), WAIT).toMatch(/^Rescheduled: version \d+\./);

    const soon = secondsAhead(10_000);
    await schedule(page, SOON, soon);
    const expected = [
      [SOON, soon],
      [MOVED, moved],
    ].sort((x, y) => Number(x[1]) - Number(y[1]));
    expect(await listing()).toEqual(expected);
    expect((await scheduled(page).getByRole('listitem').allTextContents()).map((t) => expected.findIndex(([q]) => t.includes(String(q))))).toEqual([
      0, 1,
    ]);

    const log = await events(ANNA);
    const idOf = (quote: string) => log.find((e) => e.type === 'StatementRecorded' && e.data.quote === quote)!.metadata.updateId;
    expect(log.find((e) => e.type === 'UpdateRescheduled')?.data).toMatchObject({ target: idOf(MOVED), releaseAt: new Date(moved).toISOString() });
    expect(log.find((e) => e.type === 'ReleaseCancelled')?.data).toEqual({ target: idOf(DROPPED), reason: 'The visit was called off.' });

    // Before its time: on no public surface, nor on the live page a reader has open.
    const reader = await context.newPage();
    await reader.goto(`${newsroom.url}/stories/${STORY}`);
    const before = await publicSurfaces();
    const readerText = await reader.locator('body').textContent();
    expect(Date.now()).toBeLessThan(Math.min(soon, moved)); // so what follows was seen before the release times
    // Each surface answered (the story is there), without the scheduled statements.
    expect(before.view).toContain('The river bridge reopens');
    expect(before.atom).toContain('The river bridge reopens');
    expect(before.log).toContain('StoryOpened');
    expect(readerText).toContain('The river bridge reopens');
    for (const quote of [SOON, MOVED, DROPPED]) {
      for (const [surface, body] of Object.entries({ ...before, reader: readerText ?? '' })) {
        expect(`${surface}: ${body.includes(quote)}`).toBe(`${surface}: false`);
      }
    }

    // After its time: the page has it (never before its time), the live page shows it without a reload.
    const [onPage, live, movedOnPage] = await Promise.all([shownOnPage(SOON), shownLive(reader, SOON), shownOnPage(MOVED)]);
    expect(onPage).toBeGreaterThanOrEqual(soon);
    expect(live).toBeGreaterThanOrEqual(soon);
    expect(movedOnPage).toBeGreaterThanOrEqual(moved);
    console.log(`release lag: page ${onPage - soon} ms, live page ${live - soon} ms; rescheduled: page ${movedOnPage - moved} ms after its time`);
    await reader.getByText(MOVED).first().waitFor(LIVE);

    // The feed has both, published at their release times; the cancelled one is public nowhere.
    const atom = await until(async () => {
      const body = await text(`/stories/${STORY}/feed.atom`);
      return body.includes(SOON) && body.includes(MOVED) ? body : undefined;
    }, WAIT.timeout);
    const parsed = await parseWithFeedparser(atom, { contentType: 'application/atom+xml' });
    expect(parsed.bozo).toBe(false);
    const published = (quote: string) => parsed.entries.find((e) => e.content.some((c) => c.value?.includes(quote)))?.published_parsed;
    expect(published(SOON)).toBe(iso(soon));
    expect(published(MOVED)).toBe(iso(moved));
    const after = await publicSurfaces();
    for (const [surface, body] of Object.entries({ ...after, reader: (await reader.locator('body').textContent()) ?? '' })) {
      expect(`${surface}: ${body.includes(DROPPED)}`).toBe(`${surface}: false`);
    }
    const releases = (await events(ANNA)).filter((e) => e.type === 'UpdateReleased');
    expect(releases.map((e) => [e.data, e.metadata.recordedBy])).toEqual([
      [{ target: idOf(SOON), releaseAt: new Date(soon).toISOString() }, 'system'],
      [{ target: idOf(MOVED), releaseAt: new Date(moved).toISOString() }, 'system'],
    ]);
    await reader.close();

    // The desk saw them go: out of the Scheduled region, into the timeline, without a reload.
    await scheduled(page).getByText('Nothing is scheduled.').waitFor(WAIT);
    await entry(page, SOON).waitFor(WAIT);
    await entry(page, MOVED).waitFor(WAIT);
    expect(await entry(page, DROPPED).count()).toBe(0);
    expect(incidents).toEqual([]);
  });

  it('refuses a release time in the past beside the "Release at" field, and stores nothing', async () => {
    const versionBefore = (await events(ANNA)).length;
    const form = statementForm(page);
    await form.getByLabel('Speaker', { exact: true }).fill('Aida Fictional-Kadyrova');
    await form.getByLabel('Quote', { exact: true }).fill('Too late to schedule.');
    await form.getByLabel('Release at', { exact: true }).fill(await localValue(page, secondsAhead(-120_000)));
    await form.getByRole('button', { name: 'Publish' }).click();
    const field = form.getByLabel('Release at', { exact: true });
    await expect.poll(() => field.getAttribute('aria-invalid'), WAIT).toBe('true');
    const errorId = (await field.getAttribute('aria-describedby'))!.split(' ').find((id) => id.endsWith('-error'))!;
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/\S/);
    expect((await events(ANNA)).length).toBe(versionBefore);
    expect(incidents).toEqual([]);
  });
  it('lists a scheduled article by its title, and a cancelled one is never public', async () => {
    const title = 'Bridge inspection report published';
    await page.getByRole('radio', { name: 'Article' }).check();
    const form = page.getByRole('form', { name: 'Post an article' });
    await form.getByLabel('Title', { exact: true }).fill(title);
    await form.getByLabel('URL', { exact: true }).fill('https://example.org/bridge-report');
    await form.getByLabel('Outlet', { exact: true }).fill('Example Gazette');
    await form.getByLabel('Key event', { exact: true }).check();
    await form.getByLabel('Release at', { exact: true }).fill(await localValue(page, secondsAhead(7_200_000)));
    await form.getByRole('button', { name: 'Publish' }).click();
    const item = scheduledItem(page, title);
    await item.waitFor(WAIT);
    expect(await item.textContent()).toMatch(/^Article, key event, release at /);
    const cancel = item.getByRole('form', { name: `Cancel the release of ${title}` });
    await cancel.getByLabel('Reason', { exact: true }).fill('Held for legal review.');
    await cancel.getByRole('button', { name: 'Cancel the release' }).click();
    await scheduled(page).getByText('Nothing is scheduled.').waitFor(WAIT);
    for (const [surface, body] of Object.entries(await publicSurfaces())) {
      expect(`${surface}: ${body.includes(title)}`).toBe(`${surface}: false`);
    }
    expect(incidents).toEqual([]);
  });
});
