/**
 * What the read use cases hand to the HTTP edge: a resource's bytes with their media type, a
 * strong ETag from the bytes, the time of the latest change and how long it may be cached. The
 * readers cache representations (rendered feeds); http/conditional.ts answers GET, HEAD and 304s
 * from them.
 */
import { createHash } from 'node:crypto';

/**
 * Every public read (feeds, archive pages, pages, views, time travel, the event log) may show
 * material a later retraction withdraws, so none is cached longer than a live feed: caches
 * revalidate after half a minute and serve a stale copy for at most a minute more while they do
 * (the strong ETag makes that revalidation a cheap 304). CloudFront's cache policy caps its TTL at
 * the same max-age (infra/constructs/cdn.ts); docs/api.md#caching-and-retractions.
 */
export const LIVE_MAX_AGE_SECONDS = 30;
export const LIVE_CACHE_CONTROL = `public, max-age=${LIVE_MAX_AGE_SECONDS}, stale-while-revalidate=60`;
/** What an editor's token reads (the full log): no cache keeps it, and shared caches key on the token. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

export interface Representation {
  body: string | Uint8Array;
  contentType: string;
  etag: string;
  /** ISO time of the latest change. */
  lastModified?: string;
  cacheControl?: string;
}

export function strongEtag(body: string | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function represent(body: string, contentType: string, lastModified?: string, cacheControl = LIVE_CACHE_CONTROL): Representation {
  const bytes = Buffer.from(body, 'utf8');
  return { body: bytes, contentType, etag: strongEtag(bytes), cacheControl, ...(lastModified ? { lastModified } : {}) };
}
