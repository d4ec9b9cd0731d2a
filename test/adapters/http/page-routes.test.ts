/// <reference lib="dom" />
/** The live story page in headless Chromium against the local newsroom. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startNewsroom, type Newsroom } from '../../../functions/local/server';
import { launchChromium } from '../../support/browser';

const STORY = 'kyrgyzstan-bakiyev-ouster-2010';
const TOKEN = 'page-test-token-123';
let newsroom: Newsroom;
let browser: Browser;

beforeAll(async () => {
  [newsroom, browser] = await Promise.all([
    startNewsroom({ inMemory: true, port: 0, editorTokens: `anna:${TOKEN}`, quiet: true, log: () => {} }),
    launchChromium(),
  ]);
  // Wait until the projector has caught up with the seed.
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${newsroom.url}/api/stories/${STORY}?limit=1`);
    if (res.ok && ((await res.json()) as { version: number }).version >= 15) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  await browser?.close();
  await newsroom?.stop();
});

describe('story page', () => {
  it('shows headline, key points, timeline, people, sources and feed autodiscovery', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${newsroom.url}/stories/${STORY}`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toMatch(/Bakiyev/);
    expect(await page.locator('#key-points li').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('ol.timeline > li').count()).toBe(13);
    const people = await page.locator('#people li').allTextContents();
    for (const name of ['Kurmanbek Bakiyev', 'Roza Otunbayeva', 'Hillary Clinton']) expect(people.join('\n')).toContain(name);
    expect((await page.locator('#sources li').allTextContents()).join('\n')).toMatch(/Ekho Moskvy/);
    const feeds = await page
      .locator('link[rel=alternate]')
      .evaluateAll((links) => links.map((l) => [l.getAttribute('type'), l.getAttribute('href')]));
    expect(feeds).toContainEqual(['application/atom+xml', `/stories/${STORY}/feed.atom`]);
    // Reported speech is no quotation; the Al Jazeera report's title is the newsroom's, and says so.
    for (const name of ['Roza Otunbayeva', 'Hillary Clinton']) {
      const item = page.locator('ol.timeline > li[data-kind=statement]', { hasText: name });
      expect(await item.locator('blockquote, q').count(), name).toBe(0);
      expect(await item.textContent(), name).toMatch(/Reported speech, not a direct quote:/);
      expect(await item.textContent(), name).not.toMatch(/[“”]/);
    }
    const aj = page.locator('ol.timeline > li', { hasText: 'Bakiyev says he does not expect to return as president' });
    expect(await aj.textContent()).toContain('Title supplied by the newsroom');
    await page.screenshot({ path: '.tmp/story-page.png', fullPage: false }).catch(() => undefined);
    await page.close();
  });

  it('hostile text stays text, and an open page picks up a new update by itself', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${newsroom.url}/stories/${STORY}`);
    const before = await page.locator('ol.timeline > li').count();
    const res = await fetch(`${newsroom.url}/api/stories/${STORY}/updates`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'statement',
        speaker: { name: 'Test <img src=x onerror=alert(1)>' },
        quote: '<script>window.pwned=1</script> ]]> &amp;',
        saidAt: '2010-04-30',
      }),
    });
    expect(res.status).toBe(201);
    await page.waitForFunction((n) => document.querySelectorAll('ol.timeline > li').length > n, before, { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('blockquote', { hasText: '<script>window.pwned=1</script> ]]> &amp;' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
