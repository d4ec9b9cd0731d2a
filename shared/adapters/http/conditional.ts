/**
 * Conditional GET of a representation (application/representation.ts: strong ETags from the
 * bytes, Last-Modified from the latest event, Cache-Control): 304s for If-None-Match /
 * If-Modified-Since.
 */
import { LIVE_CACHE_CONTROL, type Representation } from '../../application/representation';

const httpDate = (iso: string) => new Date(iso).toUTCString();

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Builds the response for a GET/HEAD of a representation, answering conditional requests with 304. */
export function respond(request: Request, rep: Representation): Response {
  const headers = new Headers({
    'Content-Type': rep.contentType,
    ETag: rep.etag,
    'Cache-Control': rep.cacheControl ?? LIVE_CACHE_CONTROL,
    Vary: 'Accept-Encoding',
  });
  if (rep.lastModified) headers.set('Last-Modified', httpDate(rep.lastModified));

  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = request.headers.get('if-modified-since');
  let notModified = false;
  if (ifNoneMatch !== null) {
    notModified = etagMatches(ifNoneMatch, rep.etag);
  } else if (ifModifiedSince !== null && rep.lastModified) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds: compare at that precision.
    notModified = !Number.isNaN(since) && Math.floor(Date.parse(rep.lastModified) / 1000) * 1000 <= since;
  }
  if (notModified) {
    headers.delete('Content-Type');
    return new Response(null, { status: 304, headers });
  }
  const body = request.method === 'HEAD' ? null : rep.body;
  headers.set('Content-Length', String(typeof rep.body === 'string' ? Buffer.byteLength(rep.body) : rep.body.byteLength));
  return new Response(body as ConstructorParameters<typeof Response>[0], { status: 200, headers });
}
