/// <reference lib="dom" />
/** What the desk's Chromium tests share: their session, watching a page for what must never happen, and axe-core. */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { startNewsroom, type Newsroom } from '../../functions/local/server';
import { launchChromium } from './browser';

/** Where the desk's tests write their screenshots (docs/desk.md shows them). */
export const SHOTS = new URL('../../test-results/screenshots/', import.meta.url);

export interface DeskSession {
  newsroom: Newsroom;
  browser: Browser;
  context: BrowserContext;
  /** A desktop-sized page, watched into `incidents`. */
  page: Page;
  stop(): Promise<void>;
}

/**
 * An empty in-memory newsroom with these editors (`name:token,…`) and Chromium beside it, started
 * together, with one desktop-sized page (1280 × 900, plus `context` options such as a time zone).
 */
export async function startDeskSession(editorTokens: string, incidents: string[], context: BrowserContextOptions = {}): Promise<DeskSession> {
  const [newsroom, browser] = await Promise.all([
    startNewsroom({ inMemory: true, port: 0, seed: false, editorTokens, quiet: true, log: () => {} }),
    launchChromium(),
  ]);
  mkdirSync(SHOTS, { recursive: true });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...context });
  const page = await ctx.newPage();
  await watch(page, incidents);
  return {
    newsroom,
    browser,
    context: ctx,
    page,
    async stop() {
      await browser.close();
      await newsroom.stop();
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Records in `incidents` what must never happen on a desk page: dialogs, CSP violations, script errors. */
export async function watch(p: Page, incidents: string[]): Promise<void> {
  p.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  p.on('pageerror', (error) => incidents.push(`error: ${error.message}`));
  await p.exposeFunction('reportViolation', (text: string) => incidents.push(`csp: ${text}`));
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { reportViolation: (t: string) => void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

/** axe-core's findings on the page as it is now. */
export async function axe(p: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await p.evaluate(axeSource);
  const violations = await p.evaluate(async () => {
    const run = (
      window as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }
    ).axe;
    return (await run.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`);
}
