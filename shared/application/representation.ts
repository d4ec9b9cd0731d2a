/**
 * What the read use cases hand to the HTTP edge: a resource's bytes with their media type, a
 * strong ETag from the bytes, the time of the latest change and how long it may be cached. The
 * readers cache representations (rendered feeds); http/conditional.ts answers GET, HEAD and 304s
 * from them.
 */
import { createHash } from 'node:crypto';

/** A live story changes at any moment: caches revalidate after half a minute. */
export const LIVE_CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=60';
/** A past version never changes. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/**
 * Archive pages: membership is fixed, but a correction or retraction of an entry in one changes its
 * bytes (see shared/domain/feeds/archive.ts), so they are cached long, not forever; the strong ETag makes
 * the revalidation after a day a cheap 304.
 */
export const ARCHIVE_CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=3600';

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
