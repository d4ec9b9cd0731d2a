/**
 * HTTP semantics every route shares, on the local stack (both apps on one server) and through the
 * read Lambda's handler: 405 with Allow and problem+json 404s from the route table, CORS for public
 * reads only, and compressed responses (br, gzip) with their own ETags and 304s.
 */
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { readApp } from '../../../shared/adapters/http/read-app';
import { ORIGIN_VERIFY_HEADER } from '../../../shared/adapters/http/origin';
import { tokensFromPlain } from '../../../shared/adapters/http/auth';
import { createReader } from '../../../functions/reader';
import { createRuntime, feedContext, logger } from '../../../functions/runtime';
import { article, startApiWithStory, until, type Api, type ProblemBody } from '../../support/api';

const STORY = 'http-semantics';
let api: Api;

/** A raw GET/HEAD/other over node:http: fetch would decompress, and add Accept-Encoding of its own. */
function raw(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const url = new URL(api.url + path);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  api = await startApiWithStory(STORY);
  // Enough entries that every feed and page is over the compression threshold.
  for (let n = 0; n < 4; n++) expect((await api.post(`/api/stories/${STORY}/updates`, article(`Report ${n} on the ouster`))).status).toBe(201);
  await until(async () => (await raw('GET', `/stories/${STORY}/feed.json`)).body.includes('Report 3') || undefined);
});
afterAll(() => api?.stop());

describe('405 and 404: problem+json from the route table', () => {
  it.each([
    ['POST', '/feed.atom', 'GET, HEAD, OPTIONS'],
    ['DELETE', `/stories/${STORY}/feed.rss`, 'GET, HEAD, OPTIONS'],
    ['PUT', `/api/stories/${STORY}`, 'GET, HEAD, OPTIONS'],
    ['GET', `/api/stories/${STORY}/updates`, 'POST, OPTIONS'],
    ['PATCH', '/api/stories', 'GET, HEAD, POST, OPTIONS'],
    ['POST', '/api/openapi.json', 'GET, HEAD, OPTIONS'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const res = await raw(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const problem = JSON.parse(res.body.toString()) as ProblemBody & { instance: string };
    expect(problem).toMatchObject({ status: 405, title: 'Method not allowed', instance: path });
    expect(problem.type).toMatch(/method-not-allowed$/);
  });

  it.each([
    ['GET', '/no/such/path'],
    ['POST', '/no/such/path'],
    ['GET', '/feed.atom/'],
    ['DELETE', '/stories'],
  ])("%s %s is the local server's own 404, as problem+json", async (method, path) => {
    const res = await raw(method, path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 404, title: 'No such resource', instance: path });
  });

  it('OPTIONS says what a path allows', async () => {
    const res = await raw('OPTIONS', `/api/stories/${STORY}/updates`);
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });
});

describe("query parameters: a public GET reads its route's own and refuses any other, naming it", () => {
  it.each([
    ['/feed.atom?x=1', 'x'],
    [`/stories/${STORY}/feed.json?cachebust=7`, 'cachebust'],
    [`/stories/${STORY}/key-events.rss?after=1`, 'after'],
    [`/api/stories/${STORY}?version=1&nonce=abc`, 'nonce'],
    [`/api/stories/${STORY}/events?after=0&since=1`, 'since'],
    [`/api/stories/${STORY}/changes?since=0&order=oldest`, 'order'],
    [`/stories/${STORY}?order=oldest&x=1`, 'x'],
    ['/?page=2', 'page'],
    ['/api/stories?limit=5&after=5', 'after'],
    ['/health?probe=1', 'probe'],
    ['/api/openapi.json?v=3', 'v'],
  ])('GET %s is a 400 naming /query/%s, with nothing cached', async (path, name) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(method, path);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      if (method === 'GET') {
        const problem = JSON.parse(res.body.toString()) as ProblemBody;
        expect(problem.errors).toContainEqual({ pointer: `/query/${name}`, detail: 'is not a query parameter of this resource' });
        expect(problem.detail).toContain(`/${name}`);
      }
    }
  });

  it('answers the parameters each route documents, and a page ignores the tracking parameters of shared links', async () => {
    for (const path of [
      `/api/stories/${STORY}?version=2`,
      `/api/stories/${STORY}?limit=2`,
      `/api/stories/${STORY}/events?after=1&limit=2`,
      `/api/stories/${STORY}/changes?since=1`,
      `/stories/${STORY}?order=oldest`,
      `/stories/${STORY}?filter=key-events`,
      `/stories/${STORY}?utm_source=newsletter&utm_medium=email&fbclid=abc`,
      '/?utm_campaign=launch',
      '/feed.json',
    ]) {
      expect((await raw('GET', path)).status, path).toBe(200);
    }
    // A data resource (a feed, the JSON) takes no tracking parameter: only a page meets readers' links.
    expect((await raw('GET', '/feed.json?utm_source=x')).status).toBe(400);
  });
});

describe('CORS: public reads for every origin, no cross-origin writes', () => {
  const origin = { Origin: 'https://reader.example' };

  it.each(['/feed.json', `/stories/${STORY}/feed.atom`, `/stories/${STORY}`, `/api/stories/${STORY}`, '/api/stories', '/', '/health'])(
    'GET %s says Access-Control-Allow-Origin: *',
    async (path) => {
      const res = await raw('GET', path, origin);
      expect(res.status, res.body.toString()).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-expose-headers']).toContain('ETag');
    },
  );

  it('a 304 and a 404 of a public read say it too, so a script sees them', async () => {
    const first = await raw('GET', '/feed.json', origin);
    const again = await raw('GET', '/feed.json', { ...origin, 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.headers['access-control-allow-origin']).toBe('*');
    const missing = await raw('GET', '/stories/no-such-story/feed.json', origin);
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
  });

  it('a preflight of a public read is approved for GET and HEAD with the conditional headers', async () => {
    const res = await raw('OPTIONS', '/feed.json', {
      ...origin,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'if-none-match',
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('if-none-match');
    expect(res.headers['access-control-allow-methods']).not.toContain('POST');
  });

  it('the write API has no CORS: no preflight approval, no Allow-Origin on its answers', async () => {
    const preflight = await raw('OPTIONS', `/api/stories/${STORY}/updates`, {
      ...origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    const written = await api.post(`/api/stories/${STORY}/updates`, article('Written without CORS'), origin);
    expect(written.status).toBe(201);
    expect(written.headers.get('access-control-allow-origin')).toBeNull();
    // The later tests compare bytes fetched one after the other: let the feeds settle first.
    await until(async () => (await raw('GET', `/stories/${STORY}/feed.atom`)).body.includes('Written without CORS') || undefined);
    await until(async () => (await raw('GET', '/feed.rss')).body.includes('Written without CORS') || undefined);
    const refused = await api.post(`/api/stories/${STORY}/updates`, {}, { ...origin, Authorization: 'Bearer wrong' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('compression: br and gzip when asked, each with its ETag, 304s on it', () => {
  const decoders = { br: brotliDecompressSync, gzip: gunzipSync } as const;

  it.each([`/stories/${STORY}/feed.atom`, '/feed.rss', `/stories/${STORY}/feed.json`, `/stories/${STORY}`, `/api/stories/${STORY}`])(
    '%s: the same bytes, compressed, with another strong ETag and Vary',
    async (path) => {
      const plain = await raw('GET', path);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toContain('Accept-Encoding');
      for (const coding of ['br', 'gzip'] as const) {
        const res = await raw('GET', path, { 'Accept-Encoding': coding });
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBe(coding);
        expect(res.headers.vary).toContain('Accept-Encoding');
        expect(Number(res.headers['content-length'])).toBe(res.body.length);
        expect(res.body.length).toBeLessThan(plain.body.length);
        expect(decoders[coding](res.body).equals(plain.body)).toBe(true);
        const etag = String(res.headers.etag);
        expect(etag).toMatch(/^"[^"]+"$/); // strong
        expect(etag).not.toBe(plain.headers.etag);
        // The compressed ETag revalidates the compressed variant; the identity one does not.
        const again = await raw('GET', path, { 'Accept-Encoding': coding, 'If-None-Match': etag });
        expect(again.status).toBe(304);
        expect(again.headers.etag).toBe(etag);
        expect((await raw('GET', path, { 'Accept-Encoding': coding, 'If-None-Match': String(plain.headers.etag) })).status).toBe(200);
        expect((await raw('GET', path, { 'If-None-Match': etag })).status).toBe(200);
      }
    },
  );

  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0, *', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', undefined],
    ['identity', undefined],
    ['*;q=0', undefined],
  ])('Accept-Encoding: %s gets %s', async (accept, coding) => {
    const res = await raw('GET', '/feed.atom', { 'Accept-Encoding': accept });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(coding);
  });

  it('HEAD says the compressed length without a body', async () => {
    const get = await raw('GET', '/feed.json', { 'Accept-Encoding': 'br' });
    const head = await raw('HEAD', '/feed.json', { 'Accept-Encoding': 'br' });
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['content-length']).toBe(String(get.body.length));
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.body.length).toBe(0);
  });

  it('a problem (small) is not compressed', async () => {
    const res = await raw('GET', '/stories/no-such-story/feed.json', { 'Accept-Encoding': 'br' });
    expect(res.status).toBe(404);
    expect(res.headers['content-encoding']).toBeUndefined();
  });
});

describe('the read Lambda handler', () => {
  let lambda: (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
  // After the stack's setup, which points the environment at its tables.
  beforeAll(() => {
    lambda = handle(readApp({ reader: createReader(createRuntime(), feedContext()), log: logger, health: async () => true })) as typeof lambda;
  });
  const event = (method: string, target: string, headers: Record<string, string> = {}) => {
    const [path, query = ''] = target.split('?') as [string, string?];
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: query,
      headers: { host: 'news.example.org', ...headers },
      requestContext: {
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
        domainName: 'news.example.org',
        requestId: 'r',
        routeKey: '$default',
        stage: '$default',
        timeEpoch: 0,
        time: '',
        accountId: '1',
        apiId: 'a',
        domainPrefix: 'news',
      },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
  };
  const invoke = async (method: string, path: string, headers?: Record<string, string>, fn = lambda) =>
    (await fn(event(method, path, headers), {} as Context)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
      isBase64Encoded: boolean;
    };

  it('answers an unknown method with 405 and Allow, an unknown path with a problem 404', async () => {
    const res = await invoke('POST', `/stories/${STORY}/feed.atom`);
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const missing = await invoke('GET', '/nothing/here');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('refuses a query parameter the route does not read, as the local server does', async () => {
    const res = await invoke('GET', `/stories/${STORY}/feed.json?x=42`);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ errors: [{ pointer: '/query/x' }] });
    expect((await invoke('GET', `/api/stories/${STORY}?version=2`)).statusCode).toBe(200);
  });

  it("with CloudFront's origin secret configured, answers only requests that carry it: 403 problem+json otherwise", async () => {
    const secret = 'origin-secret-0123456789abcdefghij';
    const behindCdn = handle(
      readApp({
        reader: createReader(createRuntime(), feedContext()),
        log: logger,
        health: async () => true,
        originSecret: secret,
        tokens: () => tokensFromPlain('anna:anna-token-0123456789abcdef'),
      }),
    ) as typeof lambda;
    for (const [method, path] of [
      ['GET', `/stories/${STORY}/feed.atom`],
      ['HEAD', '/feed.json'],
      ['GET', '/health'],
      ['OPTIONS', '/feed.json'],
      ['GET', '/no/such/path'],
    ] as const) {
      for (const headers of [
        {} as Record<string, string>,
        { [ORIGIN_VERIFY_HEADER]: 'not-the-secret' },
        { [ORIGIN_VERIFY_HEADER]: `${secret}x` },
        // Any Authorization is not enough: it must be an editor's token.
        { authorization: 'Bearer not-an-editor-token-000000' },
      ]) {
        const refused = await invoke(method, path, headers, behindCdn);
        expect(refused.statusCode, `${method} ${path}`).toBe(403);
        expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        if (method !== 'HEAD') expect(JSON.parse(refused.body)).toMatchObject({ status: 403, type: expect.stringMatching(/forbidden$/) as unknown });
      }
    }
    const through = await invoke('GET', `/stories/${STORY}/feed.atom`, { [ORIGIN_VERIFY_HEADER]: secret }, behindCdn);
    expect(through.statusCode).toBe(200);
    expect(through.body).toContain('<feed');
    // An editor reads through the API URL (CloudFront forwards no Authorization): the full event log.
    const editor = await invoke('GET', `/api/stories/${STORY}/events`, { authorization: 'Bearer anna-token-0123456789abcdef' }, behindCdn);
    expect(editor.statusCode).toBe(200);
    expect(editor.headers['cache-control']).toBe('private, no-store');
    // The local server (above) configures no secret: every request there is answered without one.
  });

  it('sends a compressed feed base64-encoded, with CORS', async () => {
    const res = await invoke('GET', `/stories/${STORY}/feed.json`, { 'accept-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(true);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const feed = JSON.parse(gunzipSync(Buffer.from(res.body, 'base64')).toString()) as { title: string };
    expect(feed.title).toBe('Bakiyev flees Bishkek');
  });
});
