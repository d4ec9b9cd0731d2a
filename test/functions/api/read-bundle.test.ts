/**
 * The read function's bundle, built as CDK builds it (test/support/lambda-bundle.ts: the deployed
 * esbuild settings and the pages' assets copied beside it), imported and invoked with API
 * Gateway's HTTP API events: the pages, an update's permalink, the live page's changes and the
 * static assets answer as they do on the local server.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../../shared/adapters/http/page-security';
import { createTestStore, type TestStore } from '../../support/dynamo';
import { article, opened, statement, stored } from '../../support/events';
import { buildLambdaBundle } from '../../support/lambda-bundle';
import { apiGatewayEvent, lambdaContext, type ApiHandler } from '../../support/lambda';
import { projectLive } from '../../support/replay';

const STORY = 'lambda-bundle-pages';
let store: TestStore;
let handler: ApiHandler;
const context = lambdaContext;
const corrected = article(2, 'Provisional government takes office', STORY);
const withdrawn = statement(3, 'Oswaldo Fictitious-Brandt', 'The marmoset treaty is void', STORY);

beforeAll(async () => {
  store = await createTestStore();
  store.applyEnv();
  const events = [
    opened(STORY),
    corrected,
    withdrawn,
    stored(
      'UpdateCorrected',
      { target: corrected.metadata.updateId, changes: { outlet: 'Radio Azattyk' }, note: 'Outlet fixed' },
      { storyId: STORY, version: 4 },
    ),
    stored('UpdateRetracted', { target: withdrawn.metadata.updateId, reason: 'The quote was invented' }, { storyId: STORY, version: 5 }),
  ];
  for (const e of events) await store.events.append(STORY, e.metadata.version - 1, [e as never]);
  await projectLive(store, events);
  const entry = await buildLambdaBundle('read', new URL('../../../.tmp/lambda-bundles/read/', import.meta.url));
  ({ handler } = (await import(entry)) as { handler: ApiHandler });
}, 120_000);
afterAll(() => store?.drop());

describe('the read bundle', () => {
  it('serves the story page, newest first, with the CSP, and the assets it links from beside the bundle', async () => {
    const page = await handler(apiGatewayEvent('GET', `/stories/${STORY}`), context);
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers?.['content-security-policy']).toBe(PAGE_CSP);
    const html = page.body!;
    expect(html.indexOf(`update-${withdrawn.metadata.updateId}`)).toBeLessThan(html.indexOf(`update-${corrected.metadata.updateId}`));
    expect(html).toContain('Outlet fixed');
    expect(html).toContain('The quote was invented');
    expect(html).not.toContain('marmoset');
    for (const [path, file] of [
      [html.match(/src="(\/assets\/live\.[\w-]+\.js)"/)![1]!, 'live.js'],
      [html.match(/href="(\/assets\/page\.[\w-]+\.css)"/)![1]!, 'page.css'],
    ] as const) {
      const asset = await handler(apiGatewayEvent('GET', path), context);
      expect(asset.statusCode, path).toBe(200);
      expect(asset.headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.body).toBe(readFileSync(new URL(`../../../shared/adapters/http/assets/${file}`, import.meta.url), 'utf8'));
    }
  });

  it('serves the editor’s desk, no-store and noindex, with its script and stylesheet from beside the bundle', async () => {
    const desk = await handler(apiGatewayEvent('GET', `/desk/stories/${STORY}`), context);
    expect(desk.statusCode).toBe(200);
    expect(desk.headers?.['content-security-policy']).toBe(PAGE_CSP);
    expect(desk.headers?.['cache-control']).toBe('no-store');
    expect(desk.headers?.['x-robots-tag']).toBe('noindex, nofollow');
    const html = desk.body!;
    expect(html).toContain('The quote was invented');
    expect(html).not.toContain('marmoset');
    for (const [path, file] of [
      [html.match(/src="(\/assets\/desk\.[\w-]+\.js)"/)![1]!, 'desk.js'],
      [html.match(/href="(\/assets\/desk\.[\w-]+\.css)"/)![1]!, 'desk.css'],
    ] as const) {
      const asset = await handler(apiGatewayEvent('GET', path), context);
      expect(asset.statusCode, path).toBe(200);
      expect(asset.body).toBe(readFileSync(new URL(`../../../shared/adapters/http/assets/${file}`, import.meta.url), 'utf8'));
    }
    expect((await handler(apiGatewayEvent('GET', '/desk/stories/no-such-story'), context)).statusCode).toBe(404);
    const home = await handler(apiGatewayEvent('GET', '/desk'), context);
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(`href="/desk/stories/${STORY}"`);
  });

  it('serves a permalink, the changes after a version and the front page', async () => {
    const permalink = await handler(apiGatewayEvent('GET', `/stories/${STORY}/updates/${withdrawn.metadata.updateId}`), context);
    expect(permalink.statusCode).toBe(200);
    expect(permalink.body).toContain('The quote was invented');
    expect(permalink.body).not.toContain('Oswaldo');
    const changes = await handler(apiGatewayEvent('GET', `/api/stories/${STORY}/changes?since=3`), context);
    expect(changes.statusCode).toBe(200);
    const body = JSON.parse(changes.body!) as { version: number; updates: { updateId: string; html: string }[] };
    expect(body.version).toBe(5);
    expect(body.updates.map((u) => u.updateId)).toEqual([corrected.metadata.updateId, withdrawn.metadata.updateId]);
    expect(body.updates[1]!.html).not.toContain('marmoset');
    const front = await handler(apiGatewayEvent('GET', '/'), context);
    expect(front.statusCode).toBe(200);
    expect(front.body).toContain(`href="/stories/${STORY}"`);
  });
});
