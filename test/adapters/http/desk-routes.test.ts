/**
 * The editor's desk over HTTP, on the real local stack: its pages carry the pages' security
 * headers, no inline script or style, no-store and noindex, hold only public data, page the
 * timeline newest first; an unknown story is a 404; its script and stylesheet are content-hashed
 * assets; `GET /api/editor` names the editor of a token and refuses any other, without CORS.
 * (test/e2e/desk.test.ts drives the same pages in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../../shared/adapters/http/page-security';
import { DESK_PAGE_SIZE } from '../../../shared/domain/pages/desk';
import { openBody, startApi, statement, TOKENS, type Api, type ProblemBody } from '../../support/api';
import { until } from '../../support/until';

let api: Api;
const STORY = 'desk-routes-story';
const LONG = 'desk-routes-long';

const posted = async (storyId: string, body: unknown) => {
  const res = await api.post(`/api/stories/${storyId}/updates`, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { updateId: string; version: number };
};
const versionOf = async (storyId: string) => ((await (await api.get(`/api/stories/${storyId}?limit=1`)).json()) as { version: number }).version;
const projected = (storyId: string, version: number) => until(async () => ((await versionOf(storyId)) >= version ? true : undefined), 20_000);
const ids = (page: string) => [...page.matchAll(/<li id="desk-update-([0-9A-Z]{26})"/g)].map((m) => m[1]!);

let kept: { updateId: string; version: number };
let retracted: { updateId: string; version: number };

beforeAll(async () => {
  api = await startApi();
  for (const id of [STORY, LONG]) expect((await api.post('/api/stories', openBody(id))).status).toBe(201);
  kept = await posted(STORY, { ...statement('Kept on the record <b>here</b>'), url: 'https://news.example/kept' });
  retracted = await posted(STORY, statement('Withdrawn words that no page may show'));
  await posted(STORY, { type: 'retraction', target: retracted.updateId, reason: 'Misattributed' });
  await posted(STORY, { type: 'pin', target: kept.updateId });
  for (let i = 0; i < DESK_PAGE_SIZE + 5; i++) await posted(LONG, statement(`Long desk statement ${i}`));
  await Promise.all([projected(STORY, 5), projected(LONG, DESK_PAGE_SIZE + 6)]);
}, 120_000);
afterAll(async () => api?.stop());

describe('the desk pages', () => {
  it('carry the pages’ CSP and security headers, no-store and noindex, and no inline script, style or handler', async () => {
    for (const path of ['/desk', `/desk/stories/${STORY}`]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy'), path).toBe(PAGE_CSP);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('x-robots-tag'), path).toBe('noindex, nofollow');
      expect(res.headers.get('set-cookie'), path).toBeNull();
      const body = await res.text();
      expect(body, path).toContain('<meta name="robots" content="noindex, nofollow">');
      const scripts = body.match(/<script[^>]*>/g) ?? [];
      expect(scripts, path).toHaveLength(1);
      expect(scripts[0], path).toMatch(/^<script src="\/assets\/desk\.[\w-]+\.js" defer>$/);
      expect(body, path).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      expect(body, path).toMatch(/<link rel="stylesheet" href="\/assets\/desk\.[\w-]+\.css">/);
      // The sign-in form: a labelled token field and a Sign in button.
      expect(body, path).toMatch(/<label for="editor-token">Editor token<\/label>/);
      expect(body, path).toMatch(/<input type="password" id="editor-token"[^>]*autocomplete="off"/);
      expect(body, path).toContain('<button type="submit">Sign in</button>');
      // A form submitted without the script never puts its fields (the token) in a URL.
      const forms = body.match(/<form [^>]*>/g) ?? [];
      expect(forms.length, path).toBeGreaterThan(0);
      for (const form of forms) {
        expect(form, path).toContain(' method="post"');
        expect(form, path).not.toContain(' action=');
      }
    }
  });

  it('list every story as a link to its desk page, named by its headline', async () => {
    const body = await (await api.get('/desk')).text();
    const { headline } = openBody(STORY) as { headline: string };
    expect(body).toContain(`<a href="/desk/stories/${STORY}" dir="auto">${headline}</a>`);
    expect(body).toContain(`<a href="/desk/stories/${LONG}"`);
    expect(body).toContain('<button type="submit">Open a new story</button>');
  });

  it('show a story’s head, version and timeline with its actions; what a retraction withdrew is not there; labels name the API’s fields', async () => {
    const body = await (await api.get(`/desk/stories/${STORY}`)).text();
    expect(body).toMatch(/<p id="desk-meta" class="meta" data-version="5"/);
    expect(body).toContain('Kept on the record &lt;b&gt;here&lt;/b&gt;');
    expect(body).not.toContain('<b>here</b>');
    expect(body).not.toContain('Withdrawn words');
    expect(body).toContain('Misattributed');
    expect(ids(body)).toEqual(expect.arrayContaining([kept.updateId, retracted.updateId]));
    // The pinned update says so and offers Unpin; the retracted one offers nothing.
    const pinned = body.slice(body.indexOf(`id="desk-update-${kept.updateId}"`));
    expect(pinned.slice(0, pinned.indexOf('</li>'))).toMatch(/Pinned[\s\S]*data-action="unpin">Unpin<\/button>/);
    const withdrawn = body.slice(body.indexOf(`id="desk-update-${retracted.updateId}"`));
    expect(withdrawn.slice(0, withdrawn.indexOf('</li>'))).not.toContain('data-action');
    for (const label of [
      'Title',
      'URL',
      'Outlet',
      'Published at',
      'Speaker',
      'Role',
      'Quote',
      'Said at',
      'Medium',
      'Context',
      'Key event',
      'Release at',
    ]) {
      expect(body, label).toMatch(new RegExp(`<label for="(statement|article)-[a-z-]+">${label}</label>`));
    }
    expect(body.match(/<button type="submit">Publish<\/button>/g)).toHaveLength(2);
    expect(body).toContain('data-pointer="/speaker/name"');
  });

  it('page the timeline newest first, and refuse a cursor they did not give', async () => {
    const first = await (await api.get(`/desk/stories/${LONG}`)).text();
    expect(ids(first)).toHaveLength(DESK_PAGE_SIZE);
    expect(first).toContain('Long desk statement 54');
    const next = first.match(/<a rel="next" href="([^"]+)"/)![1]!.replaceAll('&amp;', '&');
    const second = await (await api.get(next)).text();
    expect(ids(second)).toHaveLength(5);
    expect(second).toContain('Long desk statement 0');
    expect(new Set([...ids(first), ...ids(second)]).size).toBe(DESK_PAGE_SIZE + 5);
    const bad = await api.get(`/desk/stories/${LONG}?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ProblemBody).errors?.map((e) => e.pointer)).toEqual(['/query/cursor']);
  });

  it('answer 404 problem+json for a story that does not exist, or an id that cannot name one', async () => {
    for (const path of ['/desk/stories/no-such-story', `/desk/stories/${'x'.repeat(300)}`, '/desk/stories/Not%20An%20Id']) {
      const res = await api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    expect((await api.post('/desk', {})).status).toBe(405);
  });

  it('link a content-hashed script and stylesheet, served immutable with their types', async () => {
    const body = await (await api.get('/desk')).text();
    const script = body.match(/src="(\/assets\/desk\.[\w-]+\.js)"/)![1]!;
    const style = body.match(/href="(\/assets\/desk\.[\w-]+\.css)"/)![1]!;
    for (const [path, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ] as const) {
      const res = await api.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=31536000, immutable');
    }
    expect((await api.get('/assets/desk.js')).status).toBe(404);
  });
});

describe('GET /api/editor', () => {
  it('names the editor of a token, not cached, without CORS headers', async () => {
    const res = await api.get('/api/editor', { Authorization: `Bearer ${TOKENS.ben}`, Origin: 'https://elsewhere.example' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ editor: 'ben' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['no token', undefined, 'Bearer realm="newsroom"'],
    ['a wrong token', 'Bearer not-an-editor-token', 'Bearer realm="newsroom", error="invalid_token"'],
  ])('refuses %s with 401 and WWW-Authenticate', async (_, authorization, challenge) => {
    const res = await api.get('/api/editor', authorization ? { Authorization: authorization } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(challenge);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as ProblemBody).errors?.map((e) => e.pointer)).toEqual(['/headers/authorization']);
  });

  it('is in the OpenAPI document, for editors', async () => {
    const doc = (await (await api.get('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    expect(doc.paths['/api/editor']?.get?.security).toEqual([{ editorToken: [] }]);
    expect(Object.keys(doc.paths['/api/editor']!.get!.responses)).toEqual(expect.arrayContaining(['200', '401']));
    expect(doc.paths['/desk']?.get).toBeDefined();
    expect(doc.paths['/desk/stories/{id}']?.get).toBeDefined();
  });
});
