import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const body = Buffer.alloc(40000, 97);
async function load(url: string, seconds = 2) {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const t = new URL(url); const deadline = performance.now() + seconds * 1000; let done = 0;
  const one = () => new Promise<void>((res) => { const r = request({ host: t.hostname, port: t.port, path: t.pathname, agent }, (x) => { x.on('data', () => {}); x.on('end', () => { done++; res(); }); }); r.end(); });
  const s = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < deadline) await one(); }));
  agent.destroy(); return done / ((performance.now() - s) / 1000);
}
const listen = (fetch: any) => new Promise<string>((r) => { const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}/x`)); });
const plain = createServer((_q, r) => r.writeHead(200, { 'content-type': 'a/b', etag: '"x"', 'content-length': body.byteLength }).end(body));
await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/x`;
const h1 = new Hono(); h1.get('/x', () => new Response(body, { headers: { 'content-type': 'a/b', etag: '"x"' } }));
const h2 = new Hono(); h2.use('*', async (c, next) => { c.set('id' as never, crypto.randomUUID() as never); await next(); c.header('X-Correlation-Id', 'abc'); });
h2.get('/x', (c) => { c.req.raw.headers.get('if-none-match'); return new Response(body, { headers: new Headers({ 'content-type': 'a/b', etag: '"x"' }) }); });
const u1 = await listen(h1.fetch), u2 = await listen(h2.fetch);
await load(plainUrl, 1);
for (const [n, u] of [['plain', plainUrl], ['hono-min', u1], ['hono-mw+Headers', u2], ['plain', plainUrl]] as const) console.log(n, (await load(u)).toFixed(0));
process.exit(0);
