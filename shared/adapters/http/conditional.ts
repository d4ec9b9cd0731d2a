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

const marked = (res: Response) => {
  withPublicReadHeaders.add(res);
  return res;
};

const byteLength = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

/**
 * Builds the response for a GET/HEAD of a representation, answering conditional requests with
 * 304; `extra` headers (a page's security headers) go on both.
 */
export function respond(request: Request, rep: Representation, extra?: Readonly<Record<string, string>>): Response {
  const coding = byteLength(rep.body) >= MIN_COMPRESSED_BYTES ? negotiateCoding(request.headers.get('accept-encoding')) : undefined;
  const etag = coding ? variantEtag(rep.etag, coding) : rep.etag;
  const headers = new Headers({
    'Content-Type': rep.contentType,
    ETag: etag,
    'Cache-Control': rep.cacheControl ?? LIVE_CACHE_CONTROL,
    Vary: 'Accept-Encoding',
    // Every representation says what it is, and browsers take it at its word.
    'X-Content-Type-Options': 'nosniff',
    // A representation is a public read (base.ts would add these; in the init they cost less).
    ...PUBLIC_READ_HEADERS,
    ...extra,
  });
  if (rep.lastModified) headers.set('Last-Modified', httpDate(rep.lastModified));

  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = request.headers.get('if-modified-since');
  let notModified = false;
  if (ifNoneMatch !== null) {
    notModified = etagMatches(ifNoneMatch, etag);
  } else if (ifModifiedSince !== null && rep.lastModified) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds: compare at that precision.
    notModified = !Number.isNaN(since) && Math.floor(Date.parse(rep.lastModified) / 1000) * 1000 <= since;
  }
  if (notModified) {
    headers.delete('Content-Type');
    return marked(new Response(null, { status: 304, headers }));
  }
  const body = coding ? encodedBody(rep, coding) : rep.body;
  if (coding) headers.set('Content-Encoding', coding);
  headers.set('Content-Length', String(byteLength(body)));
  return marked(new Response((request.method === 'HEAD' ? null : body) as ConstructorParameters<typeof Response>[0], { status: 200, headers }));
}
