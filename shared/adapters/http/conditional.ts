/**
 * Conditional GET of a representation (application/representation.ts: strong ETags from the
 * bytes, Last-Modified from the latest event, Cache-Control): 304s for If-None-Match /
 * If-Modified-Since. Compressed (br or gzip) when the client's Accept-Encoding asks, from bytes
 * compressed once per representation; each coding has its own strong ETag.
 */
import {
  CONTENT_CODINGS,
  encodedBody,
  LIVE_CACHE_CONTROL,
  MIN_COMPRESSED_BYTES,
  variantEtag,
  type ContentCoding,
  type Representation,
} from '../../application/representation';
import { PUBLIC_READ_HEADERS } from './methods';

const httpDate = (iso: string) => new Date(iso).toUTCString();

/** The responses built here, which say the CORS headers of a public read already. */
const withPublicReadHeaders = new WeakSet<Response>();
export const hasPublicReadHeaders = (res: Response) => withPublicReadHeaders.has(res);

/** Each request's correlation id, noted by base.ts before the handler, so that respond() puts it in the headers it builds. */
const correlationIds = new WeakMap<Request, string>();
export const noteCorrelationId = (request: Request, id: string) => void correlationIds.set(request, id);
/** The responses built here that carry their request's X-Correlation-Id already. */
const withCorrelationId = new WeakSet<Response>();
export const hasCorrelationId = (res: Response) => withCorrelationId.has(res);

/** A response built with its request's X-Correlation-Id already among its headers (an editor's: no CORS headers to add). */
export function withHeadersOf(res: Response): Response {
  withCorrelationId.add(res);
  return res;
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The coding to send for an Accept-Encoding header (RFC 9110 §12.5.3): the served coding of the
 * highest weight above 0 (`*` stands for any not named; `x-gzip` is gzip), br on a tie; none
 * (identity) when the header is absent or accepts neither.
 */
export function negotiateCoding(header: string | null): ContentCoding | undefined {
  if (!header) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name === 'x-gzip' ? 'gzip' : name, Number.isFinite(weight) ? weight : 0);
  }
  let best: ContentCoding | undefined;
  let bestWeight = 0;
  for (const coding of CONTENT_CODINGS) {
    const weight = weights.get(coding) ?? weights.get('*') ?? 0;
    if (weight > bestWeight) [best, bestWeight] = [coding, weight];
  }
  return best;
}

const byteLength = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

/**
 * The headers of one variant (a coding of a representation, with a route's extra headers), built
 * once and kept beside the representation for as long as it lives: a request for cached bytes
 * copies a plain object (which @hono/node-server writes as it is) instead of building a Headers.
 * Names are lower case, as Headers would have them, so that an extra header replaces ours.
 */
interface Variant {
  extra: Readonly<Record<string, string>> | undefined;
  body: string | Uint8Array;
  etag: string;
  ok: Readonly<Record<string, string>>;
  notModified: Readonly<Record<string, string>>;
}
const variants = new WeakMap<Representation, Partial<Record<ContentCoding | 'identity', Variant>>>();

function variantOf(rep: Representation, coding: ContentCoding | undefined, extra: Readonly<Record<string, string>> | undefined): Variant {
  let kept = variants.get(rep);
  if (!kept) variants.set(rep, (kept = {}));
  const hit = kept[coding ?? 'identity'];
  if (hit && hit.extra === extra) return hit;
  const etag = coding ? variantEtag(rep.etag, coding) : rep.etag;
  const body = coding ? encodedBody(rep, coding) : rep.body;
  const lower = (headers: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const common = lower({
    ETag: etag,
    'Cache-Control': rep.cacheControl ?? LIVE_CACHE_CONTROL,
    Vary: 'Accept-Encoding',
    // Every representation says what it is, and browsers take it at its word.
    'X-Content-Type-Options': 'nosniff',
    // A representation is a public read (base.ts would add these; here they cost less).
    ...PUBLIC_READ_HEADERS,
    ...extra,
    ...(rep.lastModified ? { 'Last-Modified': httpDate(rep.lastModified) } : {}),
  });
  const variant: Variant = {
    extra,
    body,
    etag,
    ok: {
      'content-type': rep.contentType,
      ...common,
      ...(coding ? { 'content-encoding': coding } : {}),
      'content-length': String(byteLength(body)),
    },
    notModified: common,
  };
  kept[coding ?? 'identity'] = variant;
  return variant;
}

/**
 * Builds the response for a GET/HEAD of a representation, answering conditional requests with
 * 304; `extra` headers (a page's security headers) go on both.
 */
export function respond(request: Request, rep: Representation, extra?: Readonly<Record<string, string>>): Response {
  const coding = byteLength(rep.body) >= MIN_COMPRESSED_BYTES ? negotiateCoding(request.headers.get('accept-encoding')) : undefined;
  const variant = variantOf(rep, coding, extra);

  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = ifNoneMatch === null ? request.headers.get('if-modified-since') : null;
  let notModified = false;
  if (ifNoneMatch !== null) {
    notModified = etagMatches(ifNoneMatch, variant.etag);
  } else if (ifModifiedSince !== null && rep.lastModified) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds: compare at that precision.
    notModified = !Number.isNaN(since) && Math.floor(Date.parse(rep.lastModified) / 1000) * 1000 <= since;
  }
  const correlationId = correlationIds.get(request);
  const headers: Record<string, string> = { ...(notModified ? variant.notModified : variant.ok) };
  if (correlationId !== undefined) headers['x-correlation-id'] = correlationId;
  const body = notModified || request.method === 'HEAD' ? null : variant.body;
  const res = new Response(body as ConstructorParameters<typeof Response>[0], { status: notModified ? 304 : 200, headers });
  withPublicReadHeaders.add(res);
  if (correlationId !== undefined) withCorrelationId.add(res);
  return res;
}
