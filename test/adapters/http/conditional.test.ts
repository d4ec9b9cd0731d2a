/**
 * The headers of a representation as the local Node server sends them (conditional.ts builds them
 * once per variant as a plain object, base.ts adds no second correlation id): every header once on
 * the wire, the request's X-Correlation-Id on 200, 304 and HEAD alike, the same id in the write and
 * read apps mounted in one server, and Content-Length the bytes sent.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiWithStory, statement, until, type Api } from '../../support/api';

let api: Api;
const STORY = 'kyrgyzstan-bakiyev-ouster-2010';

beforeAll(async () => {
  api = await startApiWithStory(STORY);
  const res = await api.post(`/api/stories/${STORY}/updates`, statement('headers, once each'));
  expect(res.status).toBe(201);
  await until(async () => ((await (await api.get(`/stories/${STORY}/feed.atom`)).text()).includes('headers, once each') ? true : undefined));
});
afterAll(() => api?.stop());

/** The raw answer: header lines as sent (lower-cased names, in order), and the body's bytes. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; lines: [string, string][]; body: Buffer }>((resolve, reject) => {
    const req = request(api.url + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const lines: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, lines, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const valueOf = (lines: [string, string][], name: string) => lines.filter(([n]) => n === name).map(([, v]) => v);

function expectEachOnce(lines: [string, string][]) {
  const names = lines.map(([n]) => n);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
}

describe('the headers of a representation', () => {
  it('a feed: every header once, its correlation id, Content-Length the bytes; a 304 and a HEAD with the same validators', async () => {
    const ok = await raw(`/stories/${STORY}/feed.atom`, { 'X-Correlation-Id': 'corr-feed-1' });
    expect(ok.status).toBe(200);
    expectEachOnce(ok.lines);
    expect(valueOf(ok.lines, 'x-correlation-id')).toEqual(['corr-feed-1']);
    expect(valueOf(ok.lines, 'content-length')).toEqual([String(ok.body.byteLength)]);
    expect(valueOf(ok.lines, 'content-type')[0]).toMatch(/^application\/atom\+xml/);
    for (const name of ['etag', 'last-modified', 'cache-control', 'vary', 'x-content-type-options', 'access-control-allow-origin']) {
      expect(valueOf(ok.lines, name)).toHaveLength(1);
    }
    const etag = valueOf(ok.lines, 'etag')[0]!;

    const notModified = await raw(`/stories/${STORY}/feed.atom`, { 'If-None-Match': etag, 'X-Correlation-Id': 'corr-feed-2' });
    expect(notModified.status).toBe(304);
    expectEachOnce(notModified.lines);
    expect(notModified.body.byteLength).toBe(0);
    expect(valueOf(notModified.lines, 'x-correlation-id')).toEqual(['corr-feed-2']);
    expect(valueOf(notModified.lines, 'etag')).toEqual([etag]);
    expect(valueOf(notModified.lines, 'content-type')).toEqual([]);

    const head = await raw(`/stories/${STORY}/feed.atom`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expectEachOnce(head.lines);
    expect(head.body.byteLength).toBe(0);
    expect(valueOf(head.lines, 'content-length')).toEqual([String(ok.body.byteLength)]);
    expect(valueOf(head.lines, 'etag')).toEqual([etag]);
    // No id asked for: one is made, and sent once.
    expect(valueOf(head.lines, 'x-correlation-id')[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a page: its security headers once each beside ours, on the 200 and the 304', async () => {
    const ok = await raw(`/stories/${STORY}`, { 'X-Correlation-Id': 'corr-page' });
    expect(ok.status).toBe(200);
    expectEachOnce(ok.lines);
    expect(valueOf(ok.lines, 'x-correlation-id')).toEqual(['corr-page']);
    expect(valueOf(ok.lines, 'content-security-policy')).toHaveLength(1);
    expect(valueOf(ok.lines, 'x-frame-options')).toEqual(['DENY']);
    const notModified = await raw(`/stories/${STORY}`, { 'If-None-Match': valueOf(ok.lines, 'etag')[0]! });
    expect(notModified.status).toBe(304);
    expectEachOnce(notModified.lines);
    expect(valueOf(notModified.lines, 'content-security-policy')).toEqual(valueOf(ok.lines, 'content-security-policy'));
  });

  it('a compressed variant has headers of its own: its coding, its ETag, its length', async () => {
    const identity = await raw(`/stories/${STORY}/feed.atom`);
    const gzip = await raw(`/stories/${STORY}/feed.atom`, { 'Accept-Encoding': 'gzip' });
    expectEachOnce(gzip.lines);
    expect(valueOf(gzip.lines, 'content-encoding')).toEqual(['gzip']);
    expect(valueOf(gzip.lines, 'content-length')).toEqual([String(gzip.body.byteLength)]);
    expect(valueOf(gzip.lines, 'etag')).not.toEqual(valueOf(identity.lines, 'etag'));
    expect(valueOf(identity.lines, 'content-encoding')).toEqual([]);
  });

  it('one correlation id per request through the mounted apps: a write and a problem answer carry one', async () => {
    const written = await api.post(`/api/stories/${STORY}/updates`, statement('one id'));
    expect(written.status).toBe(201);
    expect(written.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await raw('/stories/no-such-story/feed.atom', { 'X-Correlation-Id': 'corr-404' });
    expect(missing.status).toBe(404);
    expectEachOnce(missing.lines);
    expect(valueOf(missing.lines, 'x-correlation-id')).toEqual(['corr-404']);
  });
});
