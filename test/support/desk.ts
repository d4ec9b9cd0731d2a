/// <reference lib="dom" />
/** What the desk's Chromium tests share: watching a page for what must never happen, and axe-core. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

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
